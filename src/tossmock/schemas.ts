import type { Context } from 'koa';
import { z } from 'zod';
import { TossError } from './error-codes.js';

const MAX_BODY_BYTES = 64 * 1024;

const amount = z.number().int().safe().min(1);

export const confirmSchema = z.object({
  paymentKey: z.string().min(1).max(200),
  orderId: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'must be 6-64 of A-Za-z0-9_-'),
  amount,
});

export const cancelSchema = z.object({
  cancelReason: z.string().trim().min(1).max(200),
  cancelAmount: amount.optional(),
});

export const checkoutSchema = z.object({
  orderId: confirmSchema.shape.orderId,
  amount,
});

const latency = z.union([z.number().int().min(0), z.object({ min: z.number().int().min(0), max: z.number().int().min(0) }).refine((range) => range.min <= range.max, 'min must not exceed max')]);

export const switchesSchema = z
  .object({
    latencyMs: latency,
    failureRate: z.number().min(0).max(1),
    dropAfterApprove: z.boolean(),
    dropRate: z.number().min(0).max(1),
    commit: z.enum(['before', 'after']),
    conflictInFlight: z.boolean(),
    sessionTtlMs: z.number().int().min(1),
  })
  .partial()
  .strict();

async function readBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new TossError('INVALID_REQUEST', 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the JSON body and checks it; any fault is Toss's 400 INVALID_REQUEST. */
export async function parseBody<T>(ctx: Context, schema: z.ZodType<T, z.ZodTypeDef, unknown>): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(await readBody(ctx));
  } catch (err) {
    if (err instanceof TossError) throw err;
    throw new TossError('INVALID_REQUEST', 'malformed JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TossError('INVALID_REQUEST', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : undefined);
  }
  return result.data;
}
