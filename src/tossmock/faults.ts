import type { Context, Middleware } from 'koa';
import { TossError } from './error-codes.js';
import type { TossMockState } from './state.js';
import type { Latency } from './types.js';

// Failure and latency injection. Each request reads the switches once, when
// it arrives, so changing them mid-run only affects later requests.

const TEST_CODE = /^[A-Z0-9_]{1,100}$/;

export function latencyOf(latency: Latency): number {
  if (typeof latency === 'number') return latency;
  return latency.min + Math.floor(Math.random() * (latency.max - latency.min + 1));
}

function pause(state: TossMockState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      state.pauses.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    state.pauses.add(wake);
  });
}

/**
 * Holds the answer back by the configured latency. With `commit: before` the work below runs
 * first and the answer waits; with `commit: after` the wait comes first, so the ledger is written
 * only at its end, as at a slow gateway. With `dropApproved`, an approved answer is then sent to
 * nobody (`dropAfterApprove`, or a `dropRate` share): the socket is destroyed, so the client
 * sees a connection error although it was charged.
 */
export function withLatency(state: TossMockState, opts: { dropApproved: boolean }): Middleware {
  return async (ctx, next) => {
    const ms = latencyOf(state.switches.latencyMs);
    const commitAfter = state.switches.commit === 'after';
    const drop = opts.dropApproved && (state.switches.dropAfterApprove || (state.switches.dropRate > 0 && Math.random() < state.switches.dropRate));
    if (commitAfter && ms > 0) await pause(state, ms);
    try {
      await next();
    } finally {
      if (!commitAfter && ms > 0) await pause(state, ms);
    }
    if (drop && ctx.status === 200) {
      ctx.respond = false;
      ctx.req.socket.destroy();
    }
  };
}

/**
 * `TossPayments-Test-Code: CODE` fails the call with that code, as in Toss's test mode
 * (custom test headers: https://docs.tosspayments.com/resources/glossary/http-header). `onRefused` sees the error
 * first, so a refused confirm can be recorded as ABORTED.
 */
export function testCode(onRefused?: (ctx: Context, err: TossError) => void): Middleware {
  return async (ctx, next) => {
    const code = ctx.headers['tosspayments-test-code'];
    if (code === undefined) return next();
    if (typeof code !== 'string' || !TEST_CODE.test(code)) {
      throw new TossError('INVALID_REQUEST', 'TossPayments-Test-Code');
    }
    const err = new TossError(code);
    onRefused?.(ctx, err);
    throw err;
  };
}

/** While a confirm for an orderId runs, another confirm for it is answered 409, whatever its key. */
export function conflictWhileInFlight(state: TossMockState, orderIdOf: (ctx: Context) => string): Middleware {
  return async (ctx, next) => {
    const orderId = orderIdOf(ctx);
    if (state.switches.conflictInFlight && state.confirming.has(orderId)) throw new TossError('IDEMPOTENT_REQUEST_PROCESSING');
    if (state.confirming.has(orderId)) return next();
    state.confirming.add(orderId);
    try {
      await next();
    } finally {
      state.confirming.delete(orderId);
    }
  };
}

/** Fails a share of calls with a 500 before they touch the ledger. */
export function randomFailure(state: TossMockState): Middleware {
  return async (_ctx, next) => {
    const rate = state.switches.failureRate;
    if (rate > 0 && Math.random() < rate) {
      throw new TossError('FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING');
    }
    return next();
  };
}
