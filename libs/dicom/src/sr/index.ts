export { writeSr, SR_CODES, TYPICALITY, COMPREHENSIVE_3D_SR_SOP_CLASS_UID } from './write-sr.js';
export type { WriteSrInput, SegmentMeasurement } from './write-sr.js';
export { writeNotice, BASIC_TEXT_SR_SOP_CLASS_UID } from './write-notice.js';
export type { WriteNoticeInput } from './write-notice.js';
