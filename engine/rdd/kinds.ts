/** The RDD kinds by name, filled in as each kind's module loads, so RDD.ts can build them without an import cycle. */
import type { MapPartitionsRDD } from './MapPartitionsRDD.ts';
import type { ShuffledRDD } from './ShuffledRDD.ts';
import type { CoGroupedRDD } from './CoGroupedRDD.ts';
import type { UnionRDD } from './UnionRDD.ts';
import type { CartesianRDD } from './CartesianRDD.ts';
import type { ZippedPartitionsRDD } from './ZippedPartitionsRDD.ts';
import type { ZippedWithIndexRDD } from './ZippedWithIndexRDD.ts';
import type { CoalescedRDD } from './CoalescedRDD.ts';

export const rddKinds = {} as {
  MapPartitionsRDD: typeof MapPartitionsRDD;
  ShuffledRDD: typeof ShuffledRDD;
  CoGroupedRDD: typeof CoGroupedRDD;
  UnionRDD: typeof UnionRDD;
  CartesianRDD: typeof CartesianRDD;
  ZippedPartitionsRDD: typeof ZippedPartitionsRDD;
  ZippedWithIndexRDD: typeof ZippedWithIndexRDD;
  CoalescedRDD: typeof CoalescedRDD;
};
