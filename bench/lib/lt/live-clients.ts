/** The live scenario's side of its subscriber processes (live-subscribers.ts): fork them, ask them, merge what they tell. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../child.js';
import { ENTRIES } from '../servers.js';
import { addInto, type Hist } from './hist.js';
import { BASES, type Base, type Delivery, type Reply, type Request } from './live-protocol.js';

export class SubscriberProcess {
  private readonly waiting: { resolve: (r: Reply) => void; reject: (err: Error) => void }[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m) => this.waiting.shift()?.resolve(m as Reply));
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`subscriber process ${child.pid} exited (${signal ?? code})`));
    });
  }

  /** Compiled, as the servers run, and without the tsx loader this CLI runs under. */
  static start(): SubscriberProcess {
    return new SubscriberProcess(fork(join(ROOT, ENTRIES['live-subscribers']), [], { cwd: ROOT, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  ask<T extends Reply['type']>(req: Request, expect: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        resolve: (r) => (r.type === expect ? resolve(r as Extract<Reply, { type: T }>) : reject(new Error(r.type === 'error' ? r.message : `asked for ${expect}, got ${r.type}`))),
        reject,
      });
      this.child.send(req);
    });
  }

  /** Closing the channel ends the process (it exits on disconnect). */
  exit(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** The processes' `Delivery` replies summed, their histograms as `Hist` maps. */
export type MergedDelivery = Omit<Delivery, 'type' | 'hist' | 'perSecond'> & {
  hist: Record<Base, Hist>;
  /** From the commit, by its CLOCK_MONOTONIC second. */
  perSecond: Map<number, Hist>;
};

export function mergeDeliveries(list: readonly Delivery[]): MergedDelivery {
  const m: MergedDelivery = { hist: { committed: new Map(), sent: new Map() }, perSecond: new Map(), delivered: 0, expected: 0, duplicates: 0, otherEvents: 0, reads: 0, open: 0, dropped: {} };
  for (const d of list) {
    for (const base of BASES) addInto(m.hist[base], d.hist[base]);
    for (const [s, h] of Object.entries(d.perSecond)) addInto(m.perSecond.get(Number(s)) ?? m.perSecond.set(Number(s), new Map()).get(Number(s))!, h);
    m.delivered += d.delivered;
    m.expected += d.expected;
    m.duplicates += d.duplicates;
    m.otherEvents += d.otherEvents;
    m.reads += d.reads;
    m.open += d.open;
    for (const [k, n] of Object.entries(d.dropped)) m.dropped[k] = (m.dropped[k] ?? 0) + n;
  }
  return m;
}

export const droppedCount = (d: { dropped: Record<string, number> }): number => Object.values(d.dropped).reduce((a, b) => a + b, 0);
