export * from './lesions/types.js';
export * from './lungs/index.js';
export * from './lesions/index.js';
export * from './slices/index.js';
export * from './quantify/index.js';
export * from './pipeline.js';
export * from './refine.js';
export * from './dicom-results.js';
