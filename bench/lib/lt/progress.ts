/**
 * The live progress line on stderr: once a second (300 ms after each CLOCK_MONOTONIC second, so
 * wrk's per-second lines for it have arrived) every running load run contributes its part.
 * On a terminal the line is redrawn in place; otherwise one line a second is printed.
 */
const tty = Boolean(process.stderr.isTTY);
const parts = new Map<number, () => string | null>();
let ids = 0;
let timer: NodeJS.Timeout | undefined;
let drawn = false;

/** The current CLOCK_MONOTONIC time in seconds (the clock loadtest.lua stamps with). */
export const monoS = (): number => Number(process.hrtime.bigint()) / 1e9;

function clear(): void {
  if (tty && drawn) process.stderr.write('\r\x1b[K');
  drawn = false;
}

export function log(msg: string): void {
  clear();
  process.stderr.write(`[loadtest] ${msg}\n`);
}

function tick(): void {
  const line = [...parts.values()]
    .map((f) => f())
    .filter((s): s is string => Boolean(s))
    .join(' | ');
  if (line) {
    clear();
    process.stderr.write(tty ? `[loadtest] ${line}` : `[loadtest] ${line}\n`);
    drawn = tty;
  }
  schedule();
}

function schedule(): void {
  if (parts.size === 0) {
    timer = undefined;
    return;
  }
  const now = monoS();
  timer = setTimeout(tick, (Math.floor(now) + 1.3 - now) * 1000);
}

/** Adds a part to the progress line until the returned function is called. */
export function track(part: () => string | null): () => void {
  const id = ++ids;
  parts.set(id, part);
  if (!timer) schedule();
  return () => {
    parts.delete(id);
    if (parts.size === 0) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      clear();
    }
  };
}

export const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Milliseconds with sensible precision: 0.84, 12.3, 1,234. */
export const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v < 10 ? fmt(v, 2) : v < 100 ? fmt(v, 1) : fmt(v));
