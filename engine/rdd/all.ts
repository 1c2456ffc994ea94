/** Loads every RDD kind so each registers itself (for building on the driver and for decoding plans on executors). */
import './MapPartitionsRDD.ts';
import './ShuffledRDD.ts';
import './CoGroupedRDD.ts';
import './UnionRDD.ts';
import './CartesianRDD.ts';
import './ZippedPartitionsRDD.ts';
import './ZippedWithIndexRDD.ts';
import './CoalescedRDD.ts';
import './ParallelCollectionRDD.ts';
import './RangeRDD.ts';
import './EmptyRDD.ts';
import './SourceRDD.ts';
import './CheckpointRDD.ts';
import './Partitioner.ts';
import '../storage/StorageLevel.ts';
import './PairRDDFunctions.ts';
import './DoubleRDDFunctions.ts';
