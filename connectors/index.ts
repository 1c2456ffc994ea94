/** Flint's connectors: each one registers its formats with the engine's source registry on load. */
export * from './text/index.ts';
export * from './csv/index.ts';
export * from './json/index.ts';
export * from './parquet/index.ts';
export * from './arrow/index.ts';
export * from './mnist/index.ts';
