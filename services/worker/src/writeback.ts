import { audit, markWriteback, planWriteback, type AnalysisTarget } from '@mic/catalog';
import type { Logger } from '@mic/telemetry';
import { failureReason } from '@mic/telemetry';
import type { WorkerContext } from './context.js';
import { postInstance } from './orthanc.js';
import type { ThreadResult } from './run-thread.js';

// Orthanc restarting or briefly unreachable: keep trying within the job (its lock keeps being renewed) rather than
// spending queue attempts, which are few and meant for failures of the analysis itself.
const TRANSIENT = /fetch failed|ECONNREFUSED|ECONNRESET|socket|timeout|HTTP_5\d\d/i;

async function postWithRetry(ctx: WorkerContext, bytes: Uint8Array, log: Logger) {
  const deadline = Date.now() + ctx.config.worker.writeBackRetryMs;
  for (let n = 0; ; n++) {
    try {
      return await postInstance(ctx.config, bytes);
    } catch (err) {
      const e = err as Error & { code?: string };
      const transient = TRANSIENT.test(`${e.message} ${e.code ?? ''} ${e.name}`);
      if (!transient || Date.now() > deadline || ctx.signal.aborted) throw err;
      const waitMs = Math.min(10_000, 250 * 2 ** n);
      log.warn({ err: e.message, retryMs: waitMs }, 'Orthanc not reachable for the write-back; retrying');
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

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
      const stored = await postWithRetry(ctx, o.bytes, log);
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
