import { EventEmitter } from 'node:events';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency.js';
import { clearLedger, createLedger, type Ledger, type LedgerRules } from './ledger.js';
import { switchesSchema } from './schemas.js';
import type { MockSwitches, TossMockEvents, TossMockOptions } from './types.js';

/** Everything the mock remembers; it lives in memory and dies with the process. */
export interface TossMockState {
  secretKey: string;
  requireCheckout: boolean;
  switches: MockSwitches;
  /** What reset() returns to: the switches given at start. */
  initialSwitches: MockSwitches;
  ledger: Ledger;
  idempotency: IdempotencyStore;
  /** orderIds with a confirm running now, for the conflictInFlight switch. */
  confirming: Set<string>;
  events: EventEmitter<TossMockEvents>;
  now: () => number;
  /** Wake-ups of requests sleeping through injected latency, run on close. */
  pauses: Set<() => void>;
}

/** Toss's checkout session lasts about ten minutes (reported on Toss's developer forum, not in the docs). */
export const DEFAULT_SESSION_TTL_MS = 10 * 60 * 1000;

const defaultSwitches: MockSwitches = {
  latencyMs: 0,
  failureRate: 0,
  dropAfterApprove: false,
  dropRate: 0,
  commit: 'before',
  conflictInFlight: false,
  sessionTtlMs: DEFAULT_SESSION_TTL_MS,
};

const SWITCH_NAMES = Object.keys(defaultSwitches) as (keyof MockSwitches)[];

/** Throws on switches the admin endpoint would refuse: a bad option is a bug in the caller. */
export function createTossMockState(options: TossMockOptions = {}): TossMockState {
  const given = switchesSchema.parse(Object.fromEntries(SWITCH_NAMES.map((name) => [name, options[name]])));
  const switches = merge(defaultSwitches, given);
  return {
    secretKey: options.secretKey ?? 'test_sk_mock',
    requireCheckout: options.requireCheckout ?? true,
    switches,
    initialSwitches: switches,
    ledger: createLedger(),
    idempotency: createIdempotencyStore(),
    confirming: new Set(),
    events: new EventEmitter<TossMockEvents>(),
    now: options.now ?? Date.now,
    pauses: new Set(),
  };
}

function merge(base: MockSwitches, patch: Partial<MockSwitches>): MockSwitches {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return { ...base, ...defined };
}

export const rulesOf = (state: TossMockState): LedgerRules => ({ requireCheckout: state.requireCheckout, sessionTtlMs: state.switches.sessionTtlMs });

/** Forgets payments, charges and idempotency keys; switches return to the initial ones. */
export function resetTossMockState(state: TossMockState): void {
  clearLedger(state.ledger);
  state.idempotency.clear();
  state.confirming.clear();
  state.switches = state.initialSwitches;
}

export function mergeSwitches(state: TossMockState, patch: Partial<MockSwitches>): void {
  state.switches = merge(state.switches, patch);
}

/** Wakes every request sleeping through injected latency, so close() is prompt. */
export function wakeAll(state: TossMockState): void {
  for (const wake of state.pauses) wake();
}
