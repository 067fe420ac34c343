import Router, { type RouterMiddleware } from '@koa/router';
import type { Context } from 'koa';
import type { z, ZodTypeAny, ZodUndefined } from 'zod';
import { refuse, type WireCode } from '../../errors/catalogue.js';
import type { Access, Caller } from '../auth/middleware.js';
import type { AppDeps } from '../deps.js';
import { paramsReader, parseBody, parseQuery } from '../validate.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** One answer of an operation: what it means and, unless a 204, the schema of its body (the JSON as sent, or text). */
export interface ResponseDoc {
  description: string;
  schema?: ZodTypeAny;
  /** The media type; JSON unless said. */
  type?: string;
  example?: unknown;
  /** Response headers that go with it, by name: what they say. */
  headers?: Record<string, string>;
}

export interface HeaderDoc {
  name: string;
  description: string;
  schema: ZodTypeAny;
}

export type Input<P extends ZodTypeAny, Q extends ZodTypeAny, B extends ZodTypeAny> = { params: z.output<P>; query: z.output<Q>; body: z.output<B> };

export type Handler<P extends ZodTypeAny, Q extends ZodTypeAny, B extends ZodTypeAny> = (ctx: Context, input: Input<P, Q, B>) => unknown;

/**
 * One route, declared once: who may call it, what it takes, what it answers with, and its
 * handler. The router, `/openapi.json` and the validation all come from these.
 */
export interface Operation<P extends ZodTypeAny = ZodTypeAny, Q extends ZodTypeAny = ZodTypeAny, B extends ZodTypeAny = ZodTypeAny> {
  method: Method;
  /** Koa style: `/schedules/:id/hold`. */
  path: string;
  access: Access;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Named request bodies the document shows (the demo logins on POST /auth/login). */
  bodyExamples?: Record<string, { summary: string; value: unknown }>;
  headers?: HeaderDoc[];
  /** What a request that fails its params, query or body schema gets; INVALID_REQUEST unless said. */
  invalid?: WireCode;
  /** Success answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Refusals particular to the route; those that follow from its schemas and access are added. */
  errors?: WireCode[];
  /**
   * Makes the handler, once, when the table is mounted; `table` is every operation mounted with
   * it (the document route reads it). The handler runs after the access check and gets the
   * checked params, query and body.
   */
  handler(deps: AppDeps, table: readonly Operation[]): Handler<P, Q, B>;
  /**
   * An answer this route can give before Koa (`http/at-once.ts`), for a signed-in caller with a
   * Bearer token and a path whose only parameter is `:id`: what it answers from memory, or
   * undefined to take the full path (which must give the same answer). `caller` checks the
   * caller's access (undefined: the full path decides); call it before answering anything. Only
   * for refusals that dominate under contention: the losing hold.
   */
  atOnce?(deps: AppDeps): (params: { id: number }, caller: () => Caller | undefined) => AtOnceAnswer | undefined;
}

/** A status and its JSON body, already serialized. */
export interface AtOnceAnswer {
  status: number;
  json: string;
}

/** Declares an operation; a function only so that the handler's input is typed from the schemas. */
export const operation = <P extends ZodTypeAny = ZodUndefined, Q extends ZodTypeAny = ZodUndefined, B extends ZodTypeAny = ZodUndefined>(op: Operation<P, Q, B>): Operation =>
  op as unknown as Operation;

/** The access a route's handler was declared with; the route-table test reads it. */
export const ACCESS = Symbol('access');
type Declared = ((ctx: Context) => unknown) & { [ACCESS]: Access };

export const accessOf = (fn: unknown): Access | undefined => (typeof fn === 'function' ? (fn as Partial<Declared>)[ACCESS] : undefined);

/**
 * One router for every operation. Each route's access check runs inside its own handler, so no
 * prefix, case, slash or method spelling can reach the handler without it; the router matches
 * case-sensitively as well. Then params, query and body are checked against the declared schemas.
 */
export function mount(table: readonly Operation[], deps: AppDeps): Router {
  const router = new Router({ sensitive: true });
  for (const op of table) router[op.method](op.path, declared(op, deps, table) as RouterMiddleware);
  return router;
}

function declared(op: Operation, deps: AppDeps, table: readonly Operation[]): Declared {
  const handle = op.handler(deps, table);
  const read = inputReader(op);
  const run = (ctx: Context): unknown => {
    const input = read(ctx);
    return input instanceof Promise ? input.then((i) => handle(ctx, i)) : handle(ctx, input);
  };
  const access = op.access;
  const guard = deps.guard;
  const guarded: (ctx: Context) => unknown =
    access === 'public'
      ? run
      : (ctx) => {
          const checked = guard(ctx, access);
          return checked ? checked.then(() => run(ctx)) : run(ctx);
        };
  return Object.assign(guarded, { [ACCESS]: access });
}

type AnyInput = Input<ZodTypeAny, ZodTypeAny, ZodTypeAny>;

/** Reads and checks what the operation takes; synchronous unless it takes a body (the hot hold is). */
function inputReader(op: Operation): (ctx: Context) => AnyInput | Promise<AnyInput> {
  const readParams = op.params ? paramsReader(op.params, op.path) : () => undefined;
  const query = op.query;
  const body = op.body;
  const invalid = op.invalid;
  const sync = (ctx: Context): AnyInput => ({ params: readParams(ctx), query: query ? parseQuery(ctx, query) : undefined, body: undefined });
  const read = body
    ? async (ctx: Context): Promise<AnyInput> => {
        const input = sync(ctx);
        input.body = await parseBody(ctx, body);
        return input;
      }
    : sync;
  if (!invalid) return read;
  // A route that answers bad input as something else (an asset name off the list is just not found).
  return (ctx) => {
    try {
      return read(ctx);
    } catch {
      throw refuse(invalid, `no route for ${ctx.method} ${ctx.path}`);
    }
  };
}
