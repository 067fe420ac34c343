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
const ID_MEMORY = 10_000;
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
  if (checkedIds.size >= ID_MEMORY) checkedIds.delete(checkedIds.keys().next().value!);
  checkedIds.set(raw!, checked);
  return checked;
}
export const parseQuery = <S extends ZodTypeAny>(ctx: Context, schema: S): z.output<S> => parse(schema, ctx.query, 'query');
