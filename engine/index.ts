/** Public surface of engine/: re-exported by index.ts. */
export {};
