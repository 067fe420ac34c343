import type { Context } from 'koa';
import { z, type ZodTypeAny } from 'zod';
import { readJson } from './body.js';
import { invalidRequest } from './errors.js';
import { idParams } from './schemas.js';

/** PostgreSQL cannot store NUL in text, and no field of ours has a use for it. */
function nulAt(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = nulAt(v, path ? `${path}.${k}` : k);
      if (found !== null) return found;
    }
  }
  return null;
}

function parse<S extends ZodTypeAny>(schema: S, value: unknown, where: string): z.output<S> {
  const nul = nulAt(value, '');
  if (nul !== null) throw invalidRequest(`${nul || where}: must not contain NUL characters`);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : where;
  throw invalidRequest(`${field}: ${issue.message}`);
}

export const parseBody = async <S extends ZodTypeAny>(ctx: Context, schema: S): Promise<z.output<S>> => parse(schema, await readJson(ctx), 'body');
export const parseParams = <S extends ZodTypeAny>(ctx: Context & { params?: unknown }, schema: S): z.output<S> => parse(schema, ctx.params ?? {}, 'path');

type IdParams = z.output<typeof idParams>;
const checkedIds = new Map<string, Readonly<IdParams>>();

/**
 * `:id` of the route, checked by `idParams`. A hot schedule's id arrives thousands of times a
 * second: each raw id that passed is remembered (the check is pure), so a repeat costs a lookup.
 */
export function parseIdParams(ctx: Context & { params?: Record<string, string> }): Readonly<IdParams> {
  const raw = ctx.params?.id;
  const known = raw === undefined ? undefined : checkedIds.get(raw);
  if (known) return known;
  const checked = Object.freeze(parse(idParams, ctx.params ?? {}, 'path'));
  remember(checkedIds, raw!, checked);
  return checked;
}

/** Query strings that passed, by schema: a browsing crowd sends the same few again and again. */
const checkedQueries = new WeakMap<ZodTypeAny, Map<string, unknown>>();

/** The query string checked by `schema`; each raw query string that passed is remembered (the check is pure). */
export function parseQuery<S extends ZodTypeAny>(ctx: Context, schema: S): Readonly<z.output<S>> {
  let memory = checkedQueries.get(schema);
  if (!memory) checkedQueries.set(schema, (memory = new Map()));
  const raw = ctx.querystring;
  const known = memory.get(raw);
  if (known) return known as z.output<S>;
  const checked = Object.freeze(parse(schema, ctx.query, 'query'));
  remember(memory, raw, checked);
  return checked;
}

const MEMORY = 10_000;

function remember<V>(memory: Map<string, V>, key: string, value: V): void {
  if (memory.size >= MEMORY) memory.delete(memory.keys().next().value!);
  memory.set(key, value);
}
