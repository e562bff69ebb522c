import { lookupOriginal, lookupOriginals, type AnalysisTarget } from '@mic/catalog';
import type { AnalysisJob } from '@mic/queue';
import type { Logger } from '@mic/telemetry';
import type { WorkerContext } from './context.js';
import { derivedUids, type OriginalPatient } from './identity.js';
import { originalStudy } from './orthanc.js';
import { whileUnreachable } from './retry.js';

/**
 * The hospital's identifiers for a result: original UIDs and patient from the society's sealed mapping, the study's
 * own tags from the PACS it goes back to, and the result's deterministic UIDs.
 */
export function originalsFor(ctx: WorkerContext, job: AnalysisJob, target: AnalysisTarget, log: Logger) {
  const key = ctx.config.catalog.mappingKey;
  return async (uids: string[], patientPseudonym: string) => {
    const map = await lookupOriginals(ctx.pool, key, target.society, 'uid', uids);
    const sealed = await lookupOriginal(ctx.pool, key, target.society, 'patient', patientPseudonym);
    if (!sealed) throw new Error('no original patient for the study in the identity mapping');
    const p = JSON.parse(sealed) as OriginalPatient;
    const study = map.get(job.studyUid);
    const series = map.get(job.seriesUid);
    if (!study || !series) throw new Error('no original study or series UID in the identity mapping');
    // Accession number, study id, physician, date/time, birth date and sex: from the original study in the PACS.
    const original = await whileUnreachable(ctx, 'write-back', log, () => originalStudy(ctx.config, study));
    if (Object.keys(original).length === 0) log.warn('original study not found in Orthanc: its identifiers stay empty');
    return {
      uids: [...map.entries()],
      patient: { patientId: p.patientId, patientName: p.patientName, dateOffsetDays: p.dateOffsetDays ?? null },
      study: original,
      derived: derivedUids(study, series, job.analysisVersion, job.revision),
    };
  };
}
