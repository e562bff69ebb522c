import { audit, markWriteback, planWriteback, type AnalysisTarget } from '@mic/catalog';
import type { Logger } from '@mic/telemetry';
import { failureReason } from '@mic/telemetry';
import type { WorkerContext } from './context.js';
import { postInstance } from './orthanc.js';
import { whileUnreachable } from './retry.js';
import type { ThreadResult } from './run-thread.js';

/**
 * Sends SEG then SR to the study's Orthanc. Each is planned in the catalogue first with its deterministic SOP
 * Instance UID and marked sent afterwards: a retry skips what was sent, and a crash between the POST and the mark
 * re-sends the same UID, which Orthanc stores as the same instance (never a second one).
 */
export async function writeBack(
  ctx: WorkerContext,
  target: AnalysisTarget,
  restored: NonNullable<ThreadResult['restored']>,
  log: Logger,
): Promise<string[]> {
  const sent: string[] = [];
  const objects = [
    { kind: 'seg' as const, bytes: restored.seg, sopUid: restored.uids.segSopUid },
    { kind: 'sr' as const, bytes: restored.sr, sopUid: restored.uids.srSopUid },
  ];
  for (const o of objects) {
    const key = { analysisId: target.id, kind: o.kind, target: target.source };
    const plan = await planWriteback(ctx.pool, { ...key, sopUid: o.sopUid });
    if (plan.status === 'sent') continue;
    const end = ctx.metrics.stageSeconds.startTimer({ stage: 'write-back' });
    try {
      const stored = await whileUnreachable(ctx, 'write-back', log, () => postInstance(ctx.config, o.bytes));
      await markWriteback(ctx.pool, { ...key, remoteId: stored.id });
      // Orthanc names a study by patient id and study UID: the original study's id means the result joined it.
      if (target.sourceRef && stored.parentStudy !== target.sourceRef)
        log.warn({ kind: o.kind, parentStudy: stored.parentStudy }, 'result stored outside the original study');
      await audit(ctx.pool, {
        actor: 'worker',
        action: 'writeback.sent',
        studyId: target.studyId,
        detail: { kind: o.kind, target: target.source, orthancId: stored.id, status: stored.status },
      });
      ctx.metrics.writebacks.inc({ kind: o.kind, outcome: 'sent' });
      sent.push(o.kind);
    } catch (err) {
      ctx.metrics.writebacks.inc({ kind: o.kind, outcome: 'failed' });
      ctx.metrics.failures.inc({ stage: 'write-back', reason: failureReason(err) });
      await markWriteback(ctx.pool, { ...key, error: (err as Error).message }).catch(() => undefined);
      throw err;
    } finally {
      end();
    }
  }
  return sent;
}
