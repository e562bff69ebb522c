export * from './segment.js';
export { RIGHT, LEFT } from './split.js';
export { coverageWarnings } from './coverage.js';
