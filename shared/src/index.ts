export * from './topics.js';
export * from './limits.js';
export * from './misuse.js';
export * from './contract.js';
export * from './validate.js';
export * from './indices.js';
export * from './score-schema.js';
export * from './health.js';
