export * from './nifti.js';
export * from './affine.js';
