import type { Context } from 'koa';
import { type z, type ZodTypeAny } from 'zod';
import { BoundedMap } from '../cache/bounded-map.js';
import { readJson } from './body.js';
import { invalidRequest } from './errors.js';

/**
 * PostgreSQL cannot store NUL in text, and no field of ours has a use for it. A loop over a stack
 * rather than recursion: however deep a value nests, this cannot overflow the call stack.
 */
function nulAt(value: unknown): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? '' : null;
  if (!value || typeof value !== 'object') return null;
  const pending: Array<[unknown, string]> = [[value, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (v && typeof v === 'object') {
      // Pushed last to first, so the first field holding a NUL is the one named, as a recursive walk would.
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i -= 1) pending.push([entries[i]![1], path ? `${path}.${entries[i]![0]}` : entries[i]![0]]);
    }
  }
  return null;
}

function parse<S extends ZodTypeAny>(schema: S, value: unknown, where: string): z.output<S> {
  const nul = nulAt(value);
  if (nul !== null) throw invalidRequest(`${nul || where}: must not contain NUL characters`);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : where;
  throw invalidRequest(`${field}: ${issue.message}`);
}

export const parseBody = async <S extends ZodTypeAny>(ctx: Context, schema: S): Promise<z.output<S>> => parse(schema, await readJson(ctx), 'body');

/** Path params that passed, by schema: a hot schedule's id arrives thousands of times a second. */
const checkedParams = new WeakMap<ZodTypeAny, Map<string, unknown>>();

/**
 * The route's path params, checked by `schema`. Each raw value that passed is remembered (the
 * check is pure), so a repeat costs a lookup; the key is read straight off `ctx.params`.
 */
export function paramsReader<S extends ZodTypeAny>(schema: S, path: string): (ctx: Context & { params?: Record<string, string> }) => Readonly<z.output<S>> {
  let memory = checkedParams.get(schema) as Map<string, z.output<S>> | undefined;
  if (!memory) checkedParams.set(schema, (memory = new BoundedMap(MEMORY)));
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const only = names.length === 1 ? names[0]! : undefined;
  // A route without the param is never remembered: the schema refuses it.
  const keyOf = only ? (p: Record<string, string>) => p[only] ?? '' : (p: Record<string, string>) => names.map((n) => p[n] ?? '').join('/');
  const known = memory;
  // The lookup is inline: the hot hold passes here on every request, and a hit allocates nothing.
  return (ctx) => {
    const params = ctx.params ?? {};
    const key = keyOf(params);
    return known.get(key) ?? remember(known, key, parse(schema, params, 'path'));
  };
}

/** Query strings that passed, by schema: a browsing crowd sends the same few again and again. */
const checkedQueries = new WeakMap<ZodTypeAny, Map<string, unknown>>();

/** The query string checked by `schema`; each raw query string that passed is remembered (the check is pure). */
export function parseQuery<S extends ZodTypeAny>(ctx: Context, schema: S): Readonly<z.output<S>> {
  let memory = checkedQueries.get(schema) as Map<string, z.output<S>> | undefined;
  if (!memory) checkedQueries.set(schema, (memory = new BoundedMap(MEMORY)));
  return checkedOnce(memory, ctx.querystring, () => parse(schema, ctx.query, 'query'));
}

const MEMORY = 10_000;

/** `check()`'s result for `key`, remembered once it passed (every check here is pure); a refusal throws and is not remembered. */
function checkedOnce<V>(memory: Map<string, V>, key: string, check: () => V): V {
  return memory.get(key) ?? remember(memory, key, check());
}

/** Keeps a value that passed its check (a BoundedMap: the oldest go first). */
function remember<V>(memory: Map<string, V>, key: string, value: V): V {
  const checked = Object.freeze(value);
  memory.set(key, checked);
  return checked;
}
