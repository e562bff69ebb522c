export * from './segment.js';
export { RIGHT, LEFT } from './split.js';
