import { EventEmitter } from 'node:events';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency.js';
import { clearLedger, createLedger, type Ledger } from './ledger.js';
import { switchesSchema } from './schemas.js';
import type { MockSwitches, TossMockEvents, TossMockOptions } from './types.js';

/** Everything the mock remembers; it lives in memory and dies with the process. */
export interface TossMockState {
  secretKey: string;
  switches: MockSwitches;
  /** What reset() returns to: the switches given at start. */
  initialSwitches: MockSwitches;
  ledger: Ledger;
  idempotency: IdempotencyStore;
  events: EventEmitter<TossMockEvents>;
  now: () => number;
  /** Wake-ups of requests sleeping through injected latency, run on close. */
  pauses: Set<() => void>;
}

const defaultSwitches: MockSwitches = { latencyMs: 0, failureRate: 0, dropAfterApprove: false };

/** Throws on switches the admin endpoint would refuse: a bad option is a bug in the caller. */
export function createTossMockState(options: TossMockOptions = {}): TossMockState {
  const given = switchesSchema.parse({
    latencyMs: options.latencyMs,
    failureRate: options.failureRate,
    dropAfterApprove: options.dropAfterApprove,
  });
  const switches: MockSwitches = {
    latencyMs: given.latencyMs ?? defaultSwitches.latencyMs,
    failureRate: given.failureRate ?? defaultSwitches.failureRate,
    dropAfterApprove: given.dropAfterApprove ?? defaultSwitches.dropAfterApprove,
  };
  return {
    secretKey: options.secretKey ?? 'test_sk_mock',
    switches,
    initialSwitches: switches,
    ledger: createLedger(),
    idempotency: createIdempotencyStore(),
    events: new EventEmitter<TossMockEvents>(),
    now: options.now ?? Date.now,
    pauses: new Set(),
  };
}

/** Forgets payments, charges and idempotency keys; switches return to the initial ones. */
export function resetTossMockState(state: TossMockState): void {
  clearLedger(state.ledger);
  state.idempotency.clear();
  state.switches = state.initialSwitches;
}

export function mergeSwitches(state: TossMockState, patch: Partial<MockSwitches>): void {
  state.switches = {
    latencyMs: patch.latencyMs ?? state.switches.latencyMs,
    failureRate: patch.failureRate ?? state.switches.failureRate,
    dropAfterApprove: patch.dropAfterApprove ?? state.switches.dropAfterApprove,
  };
}

/** Wakes every request sleeping through injected latency, so close() is prompt. */
export function wakeAll(state: TossMockState): void {
  for (const wake of state.pauses) wake();
}
