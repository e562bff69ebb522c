export * from './nifti/index.js';
export { DicomError, NiftiError } from './parse/errors.js';
export type { DicomErrorCode, NiftiErrorCode } from './parse/errors.js';
export * from './deid/index.js';
export * from './seg/index.js';
export * from './sr/index.js';
export type { Code, AlgorithmIdentification, PatientStudy } from './write/common.js';
