import type Koa from 'koa';
import type { Context, Next } from 'koa';
import { answersOf, type Answer } from './openapi/answers.js';
import type { Operation } from './routes/table.js';

/** An answer that is not what its route declares for its status. */
export interface ResponseMismatch {
  method: string;
  path: string;
  route: string;
  status: number;
  problem: string;
}

const found = new WeakMap<Koa, ResponseMismatch[]>();

/** The mismatches an app with `validateResponses` has answered so far (the test helper fails a test on any). */
export const responseMismatchesOf = (app: Koa): readonly ResponseMismatch[] => found.get(app) ?? [];

/** What a request that matched no route can be answered with. */
const UNMATCHED = answersOf({
  method: 'get',
  path: '*',
  access: 'public',
  summary: '',
  tags: [],
  responses: {},
  errors: ['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'NOT_IMPLEMENTED'],
  handler: () => () => undefined,
});

/**
 * For tests (config.validateResponses, never in production): checks each answer against the
 * schema its operation declares for its status, after the error middleware has written it. A
 * mismatch is recorded, logged to stderr, and answered 500 RESPONSE_MISMATCH instead, so the test
 * that received it fails on it.
 */
export function checkingResponses(app: Koa, table: readonly Operation[]) {
  const byRoute = new Map(table.map((op) => [`${op.method.toUpperCase()} ${op.path}`, answersOf(op)]));
  const mismatches: ResponseMismatch[] = [];
  found.set(app, mismatches);
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.method === 'HEAD' || ctx.method === 'OPTIONS') return;
    const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
    const answers = (route && byRoute.get(`${ctx.method} ${route}`)) || UNMATCHED;
    const problem = mismatchOf(answers.get(ctx.status), ctx);
    if (!problem) return;
    const mismatch = { method: ctx.method, path: ctx.path, route: route ?? 'unmatched', status: ctx.status, problem };
    mismatches.push(mismatch);
    console.error(`response mismatch: ${JSON.stringify(mismatch)}`);
    ctx.status = 500;
    ctx.body = { code: 'RESPONSE_MISMATCH', message: `${mismatch.status} ${problem}` };
  };
}

/** For answers made before Koa: does this JSON answer match what the operation declares for its status? */
export function declaredAnswer(op: Operation): (status: number, json: string) => boolean {
  const answers = answersOf(op);
  return (status, json) => {
    const schema = answers.get(status)?.schema;
    return Boolean(schema?.safeParse(JSON.parse(json)).success);
  };
}

function mismatchOf(answer: Answer | undefined, ctx: Context): string | undefined {
  if (!answer) return 'is a status the route does not declare';
  const body: unknown = ctx.body;
  if (!answer.type) return body === null || body === undefined ? undefined : 'has a body where none is declared';
  if (answer.type !== '*/*' && ctx.response.type !== answer.type) return `is ${ctx.response.type || 'untyped'}, not ${answer.type}`;
  if (answer.type !== 'application/json' || !answer.schema) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body));
  } catch {
    return 'is not JSON';
  }
  const checked = answer.schema.safeParse(json);
  if (checked.success) return undefined;
  return checked.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
