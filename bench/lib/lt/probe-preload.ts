/**
 * Preloaded (`node --import`) into the service the live scenario starts; bench only. On SIGUSR2 it
 * runs the service's own releaseMemory() (a full compacting collection, after which V8 returns the
 * freed pages) and appends one JSON line to BENCH_PROBE_FILE: the memory figures after it, and when
 * (CLOCK_MONOTONIC µs, the clock every process shares) each schedule change reached the live hub's
 * commit hook since the line before, by event id. The stream's events carry no commit time and the
 * contract stays as it is: the hook is wrapped, at one array push per commit (refused holds never commit).
 */
import '../../../src/runtime/flags.js';
import { appendFileSync } from 'node:fs';
import type { ScheduleRow } from '../../../src/actors/schedule/model.js';
import { releaseMemory } from '../../../src/runtime/memory.js';
import { eventIdOf } from '../../../src/services/live/change.js';
import { LiveHub } from '../../../src/services/live/hub.js';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  let commits: [string, number][] = [];
  const committed = LiveHub.prototype.committed;
  LiveHub.prototype.committed = function (this: LiveHub, row: ScheduleRow) {
    commits.push([eventIdOf(row), Number(process.hrtime.bigint() / 1000n)]);
    committed.call(this, row);
  };
  process.on('SIGUSR2', () => {
    void releaseMemory().then((r) => {
      const since = commits;
      commits = [];
      appendFileSync(file, JSON.stringify({ ...r, ...process.memoryUsage(), commits: since }) + '\n');
    });
  });
}
