import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for the per-request paths. prom-client hashes the label set and checks
 * every label on each call, a few microseconds a request; here a label set is looked up once
 * (`child`) and each later call is an array write. prom-client still renders them at scrape time.
 */
type Values = { labels: Record<string, string | number>; value: number; metricName?: string }[];

interface Rendered {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Values;
}

/** Children by label values, one Map level per label, so a lookup builds no key string. */
class LabelTree<C> {
  private readonly root = new Map<string, unknown>();
  readonly all: { labels: Record<string, string>; child: C }[] = [];

  constructor(
    private readonly labelNames: readonly string[],
    private readonly make: () => C,
  ) {}

  get(values: readonly string[]): C {
    let level = this.root;
    for (let i = 0; i < values.length - 1; i += 1) {
      let next = level.get(values[i]!) as Map<string, unknown> | undefined;
      if (!next) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    const last = values[values.length - 1]!;
    let child = level.get(last) as C | undefined;
    if (!child) {
      child = this.make();
      level.set(last, child);
      this.all.push({ labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])), child });
    }
    return child;
  }
}

abstract class Labelled<C> {
  readonly aggregator = 'sum';
  protected readonly children: LabelTree<C>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
    make: () => C,
    registry: Registry,
  ) {
    this.children = new LabelTree(labelNames, make);
    // prom-client renders any object with name, help, type and get(); its Metric class is not needed.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for these label values, in the order of the label names; keep it for repeated use. */
  child(...values: string[]): C {
    return this.children.get(values);
  }

  abstract get(): Promise<Rendered>;
}

export class FastCounter extends Labelled<{ value: number }> {
  readonly type = 'counter';

  constructor(opts: { name: string; help: string; labelNames: readonly string[]; registry: Registry }) {
    super(opts.name, opts.help, opts.labelNames, () => ({ value: 0 }), opts.registry);
  }

  inc(...values: string[]): void {
    this.children.get(values).value += 1;
  }

  async get(): Promise<Rendered> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.children.all.map(({ labels, child }) => ({ labels, value: child.value })) };
  }
}

export interface HistogramSeries {
  observe(value: number): void;
}

class Buckets implements HistogramSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last one: above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i += 1;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class FastHistogram extends Labelled<Buckets> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(opts: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registry: Registry }) {
    const bounds = [...opts.buckets].sort((a, b) => a - b);
    super(opts.name, opts.help, opts.labelNames, () => new Buckets(bounds), opts.registry);
    this.bounds = bounds;
  }

  async get(): Promise<Rendered> {
    const values: Values = [];
    for (const { labels, child } of this.children.all) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += child.counts[i]!;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: child.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: child.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: child.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
