/** Public surface of engine/: re-exported by index.ts. */
export { FlintContext, parseMaster, type FlintContextOptions, type MasterSpec } from './context.ts';
export { FlintConf, ENGINE_CONF_DEFAULTS } from './conf.ts';
export { RDD, defaultPartitioner, type Partition, type Env, type Comparator } from './rdd/RDD.ts';
export { HashPartitioner, RangePartitioner, type Partitioner } from './rdd/Partitioner.ts';
export { StatCounter } from './rdd/StatCounter.ts';
export { StorageLevel } from './storage/StorageLevel.ts';
export { Broadcast } from './broadcast/Broadcast.ts';
export { Accumulator, LongAccumulator, DoubleAccumulator, CollectionAccumulator } from './Accumulator.ts';
export { TaskContext } from './executor/TaskContext.ts';
export { ObjectCache } from './executor/ObjectCache.ts';
export { moduleRef, ModuleRef, shipFunction, type ShippedFn } from './serde/closure.ts';
export { KeyMap, KeySet, hashKey, keyEquals, compareKeys } from './serde/keys.ts';
export { registerFormat, lookupFormat, type InputSplit, type SourceModule } from './sources.ts';
export { ENGINE_ERRORS, type EngineErrorCode } from './catalogue.ts';
export { FlintError, FlintUserError, FlintNotImplementedError, FlintInternalError } from './errors.ts';
