/** Reads the service's GET /metrics (Prometheus text) into series -> value, and a few helpers on it. */
export type Scrape = Map<string, number>;

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const out: Scrape = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The value of `name{label="value",…}` (labels in the order the service prints them), or null. */
export const gauge = (m: Scrape, series: string): number | null => m.get(series) ?? null;

/** Sum over every series of `name` whose labels contain all of `has` (e.g. 'route="/auth/login"'). */
export function sum(m: Scrape, name: string, ...has: string[]): number {
  let total = 0;
  for (const [key, v] of m) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (has.every((h) => key.includes(h))) total += v;
  }
  return total;
}

/** Polls until `value` stops changing for `stableMs` (and `done` holds), or `timeoutMs` passes; returns the last value. */
export async function settle(value: () => Promise<number>, opts: { stableMs: number; timeoutMs: number; done?: () => Promise<boolean> }): Promise<{ value: number; settled: boolean }> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = await value();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= opts.stableMs && (!opts.done || (await opts.done()))) {
      return { value: last, settled: true };
    }
  }
  return { value: last, settled: false };
}
