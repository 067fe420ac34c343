import { z, type ZodTypeAny } from 'zod';
import { answerFor, ERRORS, type ErrorEntry, type WireCode } from '../../errors/catalogue.js';
import { errorDetails } from '../bodies.js';
import type { Operation } from '../routes/table.js';

/** One status an operation may answer with, as the document shows it and the test suite checks it. */
export interface Answer {
  description: string;
  /** The media type; none for a body-less answer (204). */
  type?: string;
  schema?: ZodTypeAny;
  example?: unknown;
  examples?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The refusals an operation can answer with: its own plus those that follow from what it takes and who may call it. */
export function errorsOf(op: Operation): WireCode[] {
  const codes: WireCode[] = [];
  if (op.params || op.query || op.body || op.headers) codes.push(op.invalid ?? 'INVALID_REQUEST');
  if (op.body) codes.push('REQUEST_ABORTED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (op.access !== 'public') codes.push('UNAUTHORIZED', 'DATABASE_UNAVAILABLE');
  if (op.access !== 'public' && op.method !== 'get') codes.push('ORIGIN_REFUSED');
  if (op.access === 'admin') codes.push('FORBIDDEN');
  codes.push('INTERNAL_ERROR');
  return [...new Set([...codes, ...(op.errors ?? [])])];
}

const entry = (code: WireCode): ErrorEntry => ERRORS[code];

/** The body of one refusal: its code, a message, and the fields that code carries. */
const refusalBody = (code: WireCode) =>
  z
    .object({ code: z.literal(code), message: z.string(), ...errorDetails[code] })
    .strict()
    .describe(entry(code).note ?? entry(code).message);

/** The bodies one status can carry: one refusal or another, told apart by `code`. */
function refusalsBody(codes: WireCode[]): ZodTypeAny {
  const [first, second, ...rest] = codes.map(refusalBody);
  return second ? z.discriminatedUnion('code', [first!, second, ...rest]) : first!;
}

const JSON_TYPE = 'application/json';

/** Every status the operation answers with, successes first, then refusals grouped by status. */
export function answersOf(op: Operation): Map<number, Answer> {
  const answers = new Map<number, Answer>();
  for (const [status, doc] of Object.entries(op.responses)) {
    const answer: Answer = { description: doc.description };
    if (Number(status) !== 204) Object.assign(answer, { type: doc.type ?? JSON_TYPE, schema: doc.schema });
    if (doc.example !== undefined) answer.example = doc.example;
    if (doc.headers) answer.headers = doc.headers;
    answers.set(Number(status), answer);
  }
  const byStatus = new Map<number, WireCode[]>();
  for (const code of errorsOf(op)) {
    const { status } = answerFor(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (answers.has(status)) throw new Error(`${op.method} ${op.path}: ${status} is both a success and a refusal`);
    answers.set(status, {
      description: codes.map((code) => `\`${code}\`: ${entry(code).note ?? entry(code).message}`).join('; '),
      type: JSON_TYPE,
      schema: refusalsBody(codes),
      examples: Object.fromEntries(codes.map((code) => [code, { code, message: entry(code).message }])),
    });
  }
  return answers;
}
