/** The csv connector: registers its formats with the engine's source registry. */
export {};
