export { deidentify, DeidError, DEID_OPTIONS } from './deidentify.js';
export type { DeidOption, DeidOptions, DeidResult, DeidMapping, PatientMapping, PrivateTagRule } from './deidentify.js';
export { pseudonymUid, pseudonymPatientId, dateShiftDays } from './keyed.js';
