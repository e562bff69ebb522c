import {
  backfillUntil,
  clearPending,
  feedPosition,
  handledRefs,
  pendingFailed,
  readyStudies,
  savePage,
  studiesOfRefs,
  type PendingStudy,
} from '@mic/catalog';
import type { Lane } from '@mic/queue';
import { failureReason, timed } from '@mic/telemetry';
import type { IngestContext } from './context.js';
import { finalizeStudy, flushOutbox } from './finalize.js';
import { OrthancError, type OrthancClient } from './orthanc.js';
import { ingestBytes } from './store.js';

export class Stopped extends Error {}

/** Reads one page of Orthanc's change feed into the pending table; true when the feed is drained. */
export async function readChanges(ctx: IngestContext, orthanc: OrthancClient): Promise<boolean> {
  const { source, batch, settleSeconds, startAt } = ctx.config.ingest;
  let since = await feedPosition(ctx.pool, source);
  if (since === undefined) {
    // What Orthanc holds before the first start is history: read from the beginning, it is backfill (research lane).
    const last = await orthanc.lastSeq();
    since = startAt === 'now' ? last : 0;
    const backfill = startAt === 'now' || last === 0 ? null : last;
    await savePage(ctx.pool, source, since, [], backfill);
    ctx.log.info({ source, since, backfillUntil: backfill }, 'change feed: starting position');
  }
  const page = await orthanc.changes(since, batch);
  if (page.Last < since) {
    // Orthanc's change log restarted (new database): read it again from the start; handled instances are skipped.
    ctx.log.warn({ source, saved: since, last: page.Last }, 'change feed went backwards: reading it from the start');
    await savePage(ctx.pool, source, 0, [], null); // its sequence numbers start again: no backfill boundary applies
    return false;
  }
  const boundary = await backfillUntil(ctx.pool, source);
  const touched: { study: string; stable: boolean; backfill: boolean }[] = [];
  const arrived: { id: string; study: string }[] = [];
  for (const change of page.Changes) {
    const backfill = boundary !== null && change.Seq <= boundary;
    if (change.ChangeType === 'StableStudy') touched.push({ study: change.ID, stable: true, backfill });
    else if (change.ChangeType === 'NewInstance' && (settleSeconds > 0 || !backfill)) {
      try {
        const study = await orthanc.parentStudy(change.ID);
        // The quiet-period rule needs the study; Orthanc's own StableStudy names it directly.
        if (settleSeconds > 0) touched.push({ study, stable: false, backfill });
        if (!backfill) arrived.push({ id: change.ID, study });
      } catch (err) {
        if (!(err instanceof OrthancError && err.status === 404)) throw err;
      }
    }
  }
  if (page.Last !== since || touched.length) await savePage(ctx.pool, source, page.Last, touched);
  await ingestArrived(ctx, orthanc, arrived);
  return page.Done;
}

/** Pulls one instance from Orthanc and ingests it (de-identify, store, catalogue), reporting the outcome. */
async function ingestInstance(ctx: IngestContext, orthanc: OrthancClient, id: string, study: string): Promise<void> {
  const { source } = ctx.config.ingest;
  const sourceRef = `${source}/${id}`;
  const bytes = await timed(ctx.metrics, 'pull', () => orthanc.instanceFile(id));
  const out = await ingestBytes(ctx, bytes, { source, sourceRef, sourceStudy: study });
  ctx.hooks.onInstance?.({
    source,
    sourceRef,
    sourceStudy: study,
    outcome: out.kind,
    ...(out.kind === 'quarantined' ? { reason: out.reason } : { studyId: out.studyId }),
  });
}

/**
 * Ingests instances as their NewInstance changes are read, so that when the study settles only the completeness
 * check, selection and enqueue remain. The page is saved first: whatever fails or is cut short here (Orthanc or the
 * store unreachable, stopping) is pulled by the study's own pass, which is the one that decides completeness.
 */
async function ingestArrived(
  ctx: IngestContext,
  orthanc: OrthancClient,
  arrived: { id: string; study: string }[],
): Promise<void> {
  if (arrived.length === 0) return;
  const { source } = ctx.config.ingest;
  const handled = await handledRefs(
    ctx.pool,
    source,
    arrived.map((a) => `${source}/${a.id}`),
  );
  for (const a of arrived) {
    if (handled.has(`${source}/${a.id}`)) continue;
    if (ctx.stopping()) throw new Stopped('stopping');
    try {
      await ingestInstance(ctx, orthanc, a.id, a.study);
    } catch (err) {
      if (err instanceof OrthancError && err.status === 404) continue; // deleted from Orthanc meanwhile
      ctx.log.warn({ instance: a.id, err: (err as Error).message }, 'instance left to its study pass');
      return;
    }
  }
}

/**
 * Pulls every instance of a pending study that is not yet stored or quarantined (most were, as they arrived), then
 * checks completeness: the instance count Orthanc reports must equal what was handled, else the pass runs again (an
 * instance arrived meanwhile). Returns the catalogue studies it touched.
 */
export async function pullStudy(ctx: IngestContext, orthanc: OrthancClient, study: string): Promise<number[]> {
  const { source } = ctx.config.ingest;
  const refOf = (id: string) => `${source}/${id}`;
  for (let pass = 0; pass < 5; pass++) {
    let ids: string[];
    try {
      ids = await orthanc.studyInstanceIds(study);
    } catch (err) {
      if (err instanceof OrthancError && err.status === 404) return []; // deleted from Orthanc meanwhile
      throw err;
    }
    const handled = await handledRefs(ctx.pool, source, ids.map(refOf));
    for (const id of ids) {
      if (handled.has(refOf(id))) continue;
      if (ctx.stopping()) throw new Stopped('stopping');
      await ingestInstance(ctx, orthanc, id, study);
    }
    const now = await orthanc.studyInstanceIds(study).catch(() => ids);
    const done = await handledRefs(ctx.pool, source, now.map(refOf));
    if (now.length === ids.length && done.size === now.length) return studiesOfRefs(ctx.pool, now.map(refOf));
    ctx.log.info({ study, before: ids.length, now: now.length, handled: done.size }, 'study changed during pull');
  }
  throw new Error(`study ${study} kept changing during 5 passes`);
}

async function processPending(ctx: IngestContext, orthanc: OrthancClient, p: PendingStudy): Promise<void> {
  const { source, retryMaxMs } = ctx.config.ingest;
  try {
    const studies = await pullStudy(ctx, orthanc, p.study);
    // The lane follows the source: PACS auto-analysis is clinical, the PACS's history before the first start is not.
    const lane: Lane = p.backfill ? 'research' : 'clinical';
    for (const studyId of studies) {
      await finalizeStudy(ctx, studyId, lane);
      await flushOutbox(ctx, studyId);
    }
    await clearPending(ctx.pool, source, p.study, p.changes);
  } catch (err) {
    if (err instanceof Stopped) throw err;
    const retryMs = Math.min(retryMaxMs, 1000 * 2 ** Math.min(p.attempts, 10));
    ctx.metrics.failures.inc({ stage: 'study', reason: failureReason(err) });
    ctx.log.error(
      { study: p.study, attempt: p.attempts + 1, retryMs, err: (err as Error).message },
      'study pass failed',
    );
    await pendingFailed(ctx.pool, source, p.study, (err as Error).message, retryMs);
  }
}

/** One round: drain the feed, ingest ready studies, flush the outbox. */
export async function followOnce(ctx: IngestContext, orthanc: OrthancClient): Promise<void> {
  const { source, settleSeconds } = ctx.config.ingest;
  for (let i = 0; i < 50 && !ctx.stopping(); i++) if (await readChanges(ctx, orthanc)) break;
  for (const p of await readyStudies(ctx.pool, source, settleSeconds)) {
    if (ctx.stopping()) return;
    await processPending(ctx, orthanc, p);
  }
  await flushOutbox(ctx);
}
