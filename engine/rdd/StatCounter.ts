/** StatCounter: count, mean, variance, min, max and sum of numbers in one pass, mergeable across partitions (Chan et al.). */

/** Running statistics; `merge` combines two counters exactly as if their inputs were concatenated. */
export class StatCounter {
  count = 0;
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
  max = -Infinity;
  min = Infinity;
  /** Plain sum, kept separately so sum() is exact for integers. */
  sum = 0;

  add(x: number): this {
    const delta = x - this.mean;
    this.count++;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
    this.sum += x;
    if (x > this.max) this.max = x;
    if (x < this.min) this.min = x;
    return this;
  }

  merge(o: StatCounter): this {
    if (o.count === 0) return this;
    if (this.count === 0) {
      Object.assign(this, { count: o.count, mean: o.mean, m2: o.m2, max: o.max, min: o.min, sum: o.sum });
      return this;
    }
    const delta = o.mean - this.mean;
    const n = this.count + o.count;
    this.mean = (this.mean * this.count + o.mean * o.count) / n;
    this.m2 += o.m2 + (delta * delta * this.count * o.count) / n;
    this.count = n;
    this.sum += o.sum;
    this.max = Math.max(this.max, o.max);
    this.min = Math.min(this.min, o.min);
    return this;
  }

  /** Population variance. */
  get variance(): number {
    return this.count === 0 ? NaN : this.m2 / this.count;
  }

  get sampleVariance(): number {
    return this.count <= 1 ? NaN : this.m2 / (this.count - 1);
  }

  get stdev(): number {
    return Math.sqrt(this.variance);
  }

  get sampleStdev(): number {
    return Math.sqrt(this.sampleVariance);
  }

  toJSON(): { count: number; mean: number; m2: number; max: number; min: number; sum: number } {
    return { count: this.count, mean: this.mean, m2: this.m2, max: this.max, min: this.min, sum: this.sum };
  }

  static fromJSON(j: ReturnType<StatCounter['toJSON']>): StatCounter {
    return Object.assign(new StatCounter(), j);
  }

  toString(): string {
    return `(count: ${this.count}, mean: ${this.mean}, stdev: ${this.stdev}, max: ${this.max}, min: ${this.min})`;
  }
}
