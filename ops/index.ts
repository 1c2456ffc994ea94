/** Public surface of ops/: re-exported by index.ts. */
export {};
