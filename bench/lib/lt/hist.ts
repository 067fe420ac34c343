/** The latency histograms loadtest.lua sends: sparse maps of bucket -> count, bucket b = floor(ln(µs) * K), 5 % wide. */
const K = 1 / Math.log(1.05);

export type Hist = Map<number, number>;

/** The bucket of a latency in µs, as loadtest.lua computes it. */
export const bucketOf = (us: number): number => (us < 1 ? 0 : Math.floor(Math.log(us) * K));

export function addInto(into: Hist, from: Record<string, number> | Hist): void {
  const entries = from instanceof Map ? from.entries() : Object.entries(from).map(([k, v]) => [Number(k), v] as const);
  for (const [b, n] of entries) into.set(b, (into.get(b) ?? 0) + n);
}

export const countOf = (h: Hist): number => [...h.values()].reduce((a, b) => a + b, 0);

/** The q-quantile (0..1) in milliseconds, the middle of its bucket; null for an empty histogram. */
export function quantileMs(h: Hist, q: number): number | null {
  const total = countOf(h);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const b of [...h.keys()].sort((x, y) => x - y)) {
    seen += h.get(b)!;
    if (seen >= rank) return Math.exp((b + 0.5) / K) / 1000;
  }
  return null;
}
