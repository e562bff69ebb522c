export * from './hu.js';
export * from './kmeans.js';
export * from './vessels.js';
