export * from './nifti/index.js';
export { DicomError, NiftiError } from './parse/errors.js';
export type { DicomErrorCode, NiftiErrorCode } from './parse/errors.js';
export * from './deid/index.js';
