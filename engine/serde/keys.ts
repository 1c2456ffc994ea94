/** Value semantics for keys: canonical hashing and equality of primitives, arrays and plain objects (contract; implementation to come). */
export {};
