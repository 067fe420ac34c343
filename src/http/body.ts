import type { Context } from 'koa';
import { AppError, invalidRequest } from './errors.js';

const LIMIT_BYTES = 16 * 1024;

/** Reads a JSON request body (16 KiB at most). An empty body is undefined. */
export async function readJson(ctx: Context): Promise<unknown> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > LIMIT_BYTES) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${LIMIT_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT_BYTES) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${LIMIT_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  if (!ctx.is('application/json')) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}
