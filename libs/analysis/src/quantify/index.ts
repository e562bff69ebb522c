export * from './quantify.js';
export * from './severity.js';
export * from './typicality.js';
export * from './lobes.js';
export * from './course.js';
export { headlineOf, type Headline } from './read.js';
