import { createHash } from 'node:crypto';
import {
  audit,
  inTransaction,
  markEnqueued,
  markUnenqueued,
  openEnqueuedAnalyses,
  planRevision,
  recordAnalysis,
  recordSelection,
  seriesInstances,
  seriesOfStudy,
  unenqueuedAnalyses,
} from '@mic/catalog';
import { analysisJobId, enqueueAnalysis, type Lane } from '@mic/queue';
import { timed } from '@mic/telemetry';
import type { IngestContext } from './context.js';
import { studySelection } from './select.js';

/**
 * A study is complete: apply the selection rules to each series, record "not analysed" reasons, and record one
 * analysis per selected series and instance set (a new set after late instances is the next revision: an
 * amendment). Jobs go to the queue from the outbox afterwards.
 */
export async function finalizeStudy(ctx: IngestContext, studyId: number, lane: Lane): Promise<void> {
  const { minSlices, maxSliceThicknessMm, analysisVersion } = ctx.config.ingest;
  const log = ctx.log.child({ correlationId: `study-${studyId}` });
  await timed(ctx.metrics, 'finalize', async () => {
    const all = await seriesOfStudy(ctx.pool, studyId);
    const reasons = studySelection(all, { minSlices, maxSliceThicknessMm });
    for (const [t, series] of all.entries()) {
      const reason = reasons[t];
      await inTransaction(ctx.pool, async (db) => {
        await recordSelection(db, series.id, reason);
        if (reason !== null) {
          if (series.notAnalysedReason !== reason) {
            await audit(db, {
              actor: 'ingest',
              action: 'series.not-analysed',
              studyId,
              detail: { seriesId: series.id, reason },
            });
            log.info({ seriesId: series.id, reason }, 'series not analysed');
          }
          return;
        }
        const hashes = (await seriesInstances(db, series.id)).map((i) => i.sha256).sort();
        const contentHash = createHash('sha256').update(hashes.join('\n')).digest('hex');
        const { revision, changed } = await planRevision(db, series.id, contentHash);
        const jobId = analysisJobId({ studyId, seriesId: series.id, analysisVersion, revision });
        const analysis = await recordAnalysis(db, { seriesId: series.id, analysisVersion, revision, jobId, lane });
        if (analysis.created) {
          const action = revision > 1 && changed ? 'analysis.amendment' : 'analysis.requested';
          await audit(db, { actor: 'ingest', action, studyId, detail: { seriesId: series.id, revision, jobId, lane } });
          log.info({ seriesId: series.id, revision, jobId, lane, instances: hashes.length }, action);
        }
      });
    }
  });
}

/**
 * Puts recorded analyses on the queue and marks them enqueued. The job id is deterministic, so a crash between the
 * two steps re-adds the same job, which BullMQ ignores.
 */
export async function flushOutbox(ctx: IngestContext, studyId?: number): Promise<number> {
  let sent = 0;
  for (const entry of await unenqueuedAnalyses(ctx.pool, studyId)) {
    const instances = await seriesInstances(ctx.pool, entry.seriesId);
    await timed(ctx.metrics, 'enqueue', () =>
      withTimeout(
        enqueueAnalysis(ctx.queue, {
          studyId: entry.studyId,
          seriesId: entry.seriesId,
          studyUid: entry.studyUid,
          seriesUid: entry.seriesUid,
          society: entry.society,
          bucket: ctx.config.s3.bucket,
          objectKeys: instances.map((i) => i.objectKey),
          lane: entry.lane,
          analysisVersion: entry.analysisVersion,
          revision: entry.revision,
          correlationId: `study-${entry.studyId}`,
        }),
        10_000,
        'queue (Redis) did not accept the job',
      ),
    );
    await markEnqueued(ctx.pool, entry.id);
    ctx.metrics.jobs.inc({ lane: entry.lane });
    sent++;
  }
  return sent;
}

/**
 * Analyses whose job the queue no longer holds (Redis restarted without its data, a job removed by hand) go back to
 * the outbox, so the next flush sends them again: the catalogue, not Redis, is the record of what must be analysed.
 * Returns how many.
 */
export async function reconcileQueue(ctx: IngestContext): Promise<number> {
  let requeued = 0;
  for (const a of await openEnqueuedAnalyses(ctx.pool)) {
    if (ctx.stopping()) break;
    const job = await withTimeout(ctx.queue.getJob(a.jobId), 10_000, 'queue (Redis) did not answer');
    if (job) continue;
    await markUnenqueued(ctx.pool, a.id);
    await audit(ctx.pool, { actor: 'ingest', action: 'analysis.requeued', detail: { analysis: a.id, jobId: a.jobId } });
    ctx.log.warn({ analysis: a.id, jobId: a.jobId }, 'job missing from the queue: sent again');
    requeued++;
  }
  return requeued;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} within ${ms} ms`), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
