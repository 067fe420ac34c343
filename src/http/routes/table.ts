import Router, { type RouterMiddleware } from '@koa/router';
import type { Context } from 'koa';
import type { Access, Guard } from '../auth/middleware.js';

type Method = 'get' | 'post' | 'patch' | 'delete';
type Handler<C extends Context> = (ctx: C) => unknown;

/** The access a route's handler was declared with; the route-table test reads it. */
export const ACCESS = Symbol('access');
type Declared = ((ctx: Context) => unknown) & { [ACCESS]: Access };

export const accessOf = (fn: unknown): Access | undefined => (typeof fn === 'function' ? (fn as Partial<Declared>)[ACCESS] : undefined);

/**
 * A router whose every route says who may call it. The check runs inside the route's own handler,
 * so no prefix, case, slash or method spelling can reach the handler without it; the router matches
 * case-sensitively as well. `public` routes are declared too, so a route with no declaration
 * (added with the plain router) stands out in the route-table test.
 */
export class Routes {
  readonly router: Router;

  constructor(
    private readonly guard: Guard,
    prefix?: string,
  ) {
    this.router = new Router({ sensitive: true, ...(prefix && { prefix }) });
  }

  get<C extends Context = Context>(path: string, access: Access, handler: Handler<C>): this {
    return this.add('get', path, access, handler);
  }

  post<C extends Context = Context>(path: string, access: Access, handler: Handler<C>): this {
    return this.add('post', path, access, handler);
  }

  patch<C extends Context = Context>(path: string, access: Access, handler: Handler<C>): this {
    return this.add('patch', path, access, handler);
  }

  delete<C extends Context = Context>(path: string, access: Access, handler: Handler<C>): this {
    return this.add('delete', path, access, handler);
  }

  private add<C extends Context>(method: Method, path: string, access: Access, handler: Handler<C>): this {
    const guard = this.guard;
    const run = handler as Handler<Context>;
    const guarded: (ctx: Context) => unknown =
      access === 'public'
        ? run
        : (ctx) => {
            const checked = guard(ctx, access);
            return checked ? checked.then(() => run(ctx)) : run(ctx);
          };
    const declared = Object.assign(guarded, { [ACCESS]: access }) as Declared;
    this.router[method](path, declared as RouterMiddleware);
    return this;
  }
}
