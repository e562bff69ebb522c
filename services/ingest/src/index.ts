export { startIngest, type IngestService } from './main.js';
export type { InstanceEvent, IngestHooks } from './context.js';
export { notAnalysedReason, studySelection, type SeriesFacts, type SelectionRules } from './select.js';
export { parseMultipart, parseContentType, MultipartError } from './multipart.js';
export { instanceKey } from './store.js';
