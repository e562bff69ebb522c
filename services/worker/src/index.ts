export { startWorker, type WorkerService } from './main.js';
export { analyseSeries, combinedLabels, derivedObjects, assembleOne, AnalysisInputError } from './analyse.js';
export { derivedUid, derivedUids, restoreSource, unshiftDate, referencedUids } from './identity.js';
export { resultPrefix } from './process.js';
export { studyTags, type OrthancStudy } from './orthanc.js';
