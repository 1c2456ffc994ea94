/** Flint's public entry point: the engine, DataFrames, DL operators, deep learning and connectors. */
export * from './engine/index.ts';
export * from './engine/sql/index.ts';
export * from './ops/index.ts';
export * from './dl/index.ts';
export * from './connectors/index.ts';
