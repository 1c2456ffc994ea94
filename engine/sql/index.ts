/** Public surface of engine/sql/: re-exported by index.ts. */
export {};
