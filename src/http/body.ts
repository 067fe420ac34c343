import type { Context } from 'koa';
import { invalidRequest, refuse, Refusal } from './errors.js';
import { JsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

const LIMIT_BYTES = 16 * 1024;

const tooLarge = () => refuse('PAYLOAD_TOO_LARGE', `the body is larger than ${LIMIT_BYTES} bytes`);

/**
 * Reads a JSON request body (16 KiB at most, nested at most MAX_JSON_DEPTH deep). An empty body is
 * undefined. Of the two limits, the one the bytes cross first is the one answered.
 */
export async function readJson(ctx: Context): Promise<unknown> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > LIMIT_BYTES) throw tooLarge();
  const depth = ctx.is('application/json') ? new JsonDepth() : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      const room = LIMIT_BYTES - size;
      if (depth && !depth.feed(chunk.length > room ? chunk.subarray(0, room) : chunk)) throw invalidRequest(`body: nested deeper than ${MAX_JSON_DEPTH} levels`);
      size += chunk.length;
      if (size > LIMIT_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof Refusal) throw err;
    // The request stream fails only with its connection: the client went away mid-body, or was
    // cut for sending too slowly. Its ECONNRESET is the client's doing, not the database's.
    throw refuse('REQUEST_ABORTED');
  }
  if (size === 0) return undefined;
  if (!depth) throw refuse('UNSUPPORTED_MEDIA_TYPE');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}
