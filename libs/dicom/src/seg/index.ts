export { writeSeg, SegWriteError, SEG_SOP_CLASS_UID } from './write-seg.js';
export type { WriteSegInput, WriteSegResult, SourceSeries, SourceSlice, SegmentSpec } from './write-seg.js';
export { CODES, SEGMENT_KINDS } from './codes.js';
export type { SegmentKind } from './codes.js';
export { sourceSeriesFromHeaders } from './source.js';
