export * from './lesions/types.js';
