import { audit, markWriteback, planWriteback, type AnalysisTarget } from '@mic/catalog';
import { writeNotice } from '@mic/dicom';
import type { AnalysisJob } from '@mic/queue';
import type { Logger } from '@mic/telemetry';
import type { WorkerContext } from './context.js';
import { derivedUid } from './identity.js';
import { postInstance } from './orthanc.js';
import { originalsFor } from './originals.js';

/**
 * Tells the originating PACS that a series will get no result, and why, as a Basic Text SR in the original study
 * under the hospital's identifiers. Sent once per analysis version and revision (planned, then marked, as SEG and SR
 * are). Returns whether it was sent now.
 */
export async function sendNotice(
  ctx: WorkerContext,
  job: AnalysisJob,
  target: AnalysisTarget,
  reason: string,
  log: Logger,
): Promise<boolean> {
  const uid = (what: string) =>
    derivedUid('mic-notice', job.studyUid, job.seriesUid, job.analysisVersion, job.revision, what);
  const key = { analysisId: target.id, kind: 'notice' as const, target: target.source };
  const plan = await planWriteback(ctx.pool, { ...key, sopUid: uid('sop') });
  if (plan.status === 'sent') return false;
  const originals = await originalsFor(ctx, job, target, log)([job.studyUid, job.seriesUid], target.patientPseudonym);
  const uids = new Map(originals.uids);
  const { bytes } = writeNotice({
    study: {
      ...originals.study,
      patientName: originals.patient.patientName,
      patientId: originals.patient.patientId,
      studyInstanceUid: uids.get(job.studyUid)!,
    },
    seriesUid: uids.get(job.seriesUid),
    reason,
    algorithm: { name: 'mic-analysis', version: job.analysisVersion },
    sopInstanceUid: uid('sop'),
    seriesInstanceUid: uid('series'),
  });
  try {
    const stored = await postInstance(ctx.config, bytes);
    await markWriteback(ctx.pool, { ...key, remoteId: stored.id });
    await audit(ctx.pool, {
      actor: 'worker',
      action: 'writeback.sent',
      studyId: target.studyId,
      detail: { kind: 'notice', target: target.source, orthancId: stored.id, reason },
    });
    ctx.metrics.writebacks.inc({ kind: 'notice', outcome: 'sent' });
    return true;
  } catch (err) {
    ctx.metrics.writebacks.inc({ kind: 'notice', outcome: 'failed' });
    await markWriteback(ctx.pool, { ...key, error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
}
