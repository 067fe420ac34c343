/**
 * Where the machine's CPU went during a run, in cores: the server process, all PostgreSQL
 * processes, wrk (our reaped children, from /proc/self/stat cutime+cstime), interrupts, and
 * everything else (with the busiest other processes named). Interrupt time is shown apart: it
 * belongs to whoever sent or received the packets. The machine is shared: a large "other" share
 * means the numbers of that run are disturbed.
 */
import { readdirSync, readFileSync } from 'node:fs';

const HZ = 100; // USER_HZ on Linux

interface Proc {
  ticks: number;
  name: string;
}

interface Snapshot {
  machineBusy: number;
  irq: number;
  procs: Map<string, Proc>;
  reapedChildren: number;
}

export interface CpuSplit {
  server: number;
  postgres: number;
  wrk: number;
  /** Interrupt and softirq time (loopback TCP is mostly processed here), charged to no process. */
  irq: number;
  other: number;
  /** The busiest other processes, "name (pid) cores". */
  otherTop: string[];
  /** Cores busy in all, out of the machine's count. */
  machine: number;
}

function parseStat(raw: string): { name: string; fields: string[] } {
  return { name: raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')), fields: raw.slice(raw.lastIndexOf(')') + 2).split(' ') };
}

function cmdline(pid: string, fallback: string): string {
  try {
    const c = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return (c || fallback).slice(0, 80);
  } catch {
    return fallback;
  }
}

export function snapshot(): Snapshot {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const procs = new Map<string, Proc>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const { name, fields } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      procs.set(pid, { ticks: Number(fields[11]) + Number(fields[12]), name });
    } catch {
      // gone
    }
  }
  const self = parseStat(readFileSync('/proc/self/stat', 'utf8')).fields;
  return { machineBusy: cpu.reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!, irq: cpu[5]! + cpu[6]!, procs, reapedChildren: Number(self[13]) + Number(self[14]) };
}

/** `partOfServer`: processes (by name) whose CPU is the server's own, such as the Redis a design takes its holds in. */
export function split(a: Snapshot, b: Snapshot, wallS: number, serverPid: number, partOfServer?: (name: string) => boolean): CpuSplit {
  const cores = (t: number) => t / HZ / wallS;
  let server = 0;
  let postgres = 0;
  const others: [string, number][] = [];
  for (const [pid, p] of b.procs) {
    const used = cores(p.ticks - (a.procs.get(pid)?.ticks ?? 0));
    if (Number(pid) === serverPid || partOfServer?.(p.name)) server += used;
    else if (p.name.startsWith('postgres')) postgres += used;
    else if (used > 0) others.push([`${cmdline(pid, p.name)} (${pid})`, used]);
  }
  const wrk = cores(b.reapedChildren - a.reapedChildren);
  const machine = cores(b.machineBusy - a.machineBusy);
  const irq = cores(b.irq - a.irq);
  const otherTop = others
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3)
    .filter(([, c]) => c >= 0.05)
    .map(([n, c]) => `${n} ${c.toFixed(2)}`);
  return { server, postgres, wrk, irq, machine, other: Math.max(0, machine - server - postgres - wrk - irq), otherTop };
}

/** Cores used between two snapshots by the given processes together (e.g. load generators that are not reaped children). */
export function coresOf(a: Snapshot, b: Snapshot, wallS: number, pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += (b.procs.get(String(pid))?.ticks ?? 0) - (a.procs.get(String(pid))?.ticks ?? 0);
  return ticks / HZ / wallS;
}
