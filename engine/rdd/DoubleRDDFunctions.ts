/**
 * The operations of numeric RDDs (RDD<number>), as Spark's DoubleRDDFunctions: sum, mean, variance,
 * standard deviation and stats in one pass. Installed on RDD.prototype when this module loads and
 * typed on RDD with `this: RDD<number>`, so only a numeric RDD offers them.
 */
import { engineError } from '../catalogue.ts';
import { installRDDFunctions, type RDD } from './RDD.ts';
import { StatCounter } from './StatCounter.ts';

/** Numeric RDD operations (`this: RDD<number>`). */
export class DoubleRDDFunctions {
  /** Sum of a numeric RDD (0 when empty). */
  async sum(this: RDD<number>): Promise<number> {
    return (await statsOf(this, 'sum')).sum;
  }

  /** Mean of a numeric RDD; throws EMPTY_COLLECTION when empty. */
  async mean(this: RDD<number>): Promise<number> {
    const s = await statsOf(this, 'mean');
    if (s.count === 0) throw engineError('EMPTY_COLLECTION', `mean() on ${this}: the RDD is empty`);
    return s.mean;
  }

  /** Population variance of a numeric RDD. */
  async variance(this: RDD<number>): Promise<number> {
    return (await statsOf(this, 'variance')).variance;
  }

  /** Population standard deviation of a numeric RDD. */
  async stdev(this: RDD<number>): Promise<number> {
    return (await statsOf(this, 'stdev')).stdev;
  }

  /** Sample variance (n - 1 in the denominator). */
  async sampleVariance(this: RDD<number>): Promise<number> {
    return (await statsOf(this, 'sampleVariance')).sampleVariance;
  }

  /** Sample standard deviation (n - 1 in the denominator). */
  async sampleStdev(this: RDD<number>): Promise<number> {
    return (await statsOf(this, 'sampleStdev')).sampleStdev;
  }

  /** Count, mean, variance, min, max and sum in one pass; a record that is not a number fails the job (NOT_A_NUMBER) naming it. */
  async stats(this: RDD<number>): Promise<StatCounter> {
    return statsOf(this, 'stats');
  }
}

/** The stats job behind every numeric action; `op` names the action in errors. */
async function statsOf(rdd: RDD<number>, op: string): Promise<StatCounter> {
  const parts = await rdd._ctx.runJob<ReturnType<StatCounter['toJSON']>>(rdd, 'stats', { op });
  const s = new StatCounter();
  for (const p of parts) s.merge(StatCounter.fromJSON(p));
  return s;
}

installRDDFunctions(DoubleRDDFunctions);

declare module './RDD.ts' {
  interface RDD<T> extends DoubleRDDFunctions {}
}
