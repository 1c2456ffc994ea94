/** Accumulators: long, double and collection values that tasks add to and the driver reads; each successful task attempt counts once. */
import { engineError } from './catalogue.ts';
import { SHIP, type EnvValue } from './serde/closure.ts';
import type { AccUpdate } from './executor/TaskContext.ts';

/**
 * The driver's side of an accumulator. Pass it in `env`; inside tasks `add(v)` counts into that task
 * attempt, and the driver merges the attempt's total only when the attempt succeeds, so retried or
 * failed attempts never double count.
 */
export abstract class Accumulator<IN, OUT> {
  constructor(readonly id: number, readonly name: string | undefined, readonly kind: 'long' | 'double' | 'collection') {}

  /** Adds on the driver (tasks add through their own handle). */
  abstract add(v: IN): void;
  abstract get value(): OUT;
  abstract reset(): void;
  /** Merges a successful task attempt's update. */
  abstract merge(u: AccUpdate): void;

  [SHIP](): EnvValue {
    return { t: 'acc', id: this.id, kind: this.kind };
  }

  toString(): string {
    return `${this.constructor.name}(id: ${this.id}${this.name ? ', name: ' + this.name : ''}, value: ${JSON.stringify(this.value)})`;
  }
}

function checkNumber(what: string, v: unknown): number {
  if (typeof v !== 'number') throw engineError('BAD_ARGUMENT', `${what}.add needs a number; got ${typeof v}`);
  return v;
}

/** Sums integers (Spark's LongAccumulator): value, sum, count, avg. */
export class LongAccumulator extends Accumulator<number, number> {
  sum = 0;
  count = 0;
  constructor(id: number, name?: string) {
    super(id, name, 'long');
  }
  add(v: number): void {
    this.sum += checkNumber('LongAccumulator', v);
    this.count++;
  }
  get value(): number {
    return this.sum;
  }
  get avg(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  merge(u: AccUpdate): void {
    if (u.kind === 'collection') return;
    this.sum += u.sum;
    this.count += u.count;
  }
}

/** Sums doubles (Spark's DoubleAccumulator). */
export class DoubleAccumulator extends LongAccumulator {
  constructor(id: number, name?: string) {
    super(id, name);
    (this as { kind: string }).kind = 'double';
  }
}

/** Collects added items in a list (Spark's CollectionAccumulator); order across tasks is unspecified. */
export class CollectionAccumulator<T> extends Accumulator<T, T[]> {
  private items: T[] = [];
  constructor(id: number, name?: string) {
    super(id, name, 'collection');
  }
  add(v: T): void {
    this.items.push(v);
  }
  get value(): T[] {
    return [...this.items];
  }
  reset(): void {
    this.items = [];
  }
  merge(u: AccUpdate): void {
    if (u.kind === 'collection') for (const x of u.items) this.items.push(x as T);
  }
}
