/** Public surface of dl/: re-exported by index.ts. */
export {};
