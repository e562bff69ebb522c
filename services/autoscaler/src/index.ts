export * from './decide.js';
export * from './kubernetes.js';
export * from './main.js';
