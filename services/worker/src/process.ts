import { createHash } from 'node:crypto';
import {
  analysisTarget,
  audit,
  failAnalysis,
  finishAnalysis,
  priorStudyReport,
  saveArtifact,
  setAnalysisStatus,
  startAnalysis,
  writebacksOf,
} from '@mic/catalog';
import { daysBetween, readingOf } from '@mic/analysis';
import type { AnalysisJob, AnalysisProcessor } from '@mic/queue';
import { failureReason, inLanes, timed, within, type Logger } from '@mic/telemetry';
import { UnrecoverableError } from 'bullmq';
import type { WorkerContext } from './context.js';
import { derivedUids } from './identity.js';
import { runAnalysisThread, ThreadError, type Feed, type ThreadResult } from './run-thread.js';
import { whileUnreachable } from './retry.js';
import { writeBack } from './writeback.js';
import { sendNotice } from './notice.js';
import { originalsFor } from './originals.js';

const MEDIA_TYPES: Record<string, string> = {
  'report.json': 'application/json',
  'seg.dcm': 'application/dicom',
  'sr.dcm': 'application/dicom',
  'lungs.nii.gz': 'application/gzip',
  'lesions.nii.gz': 'application/gzip',
  'axial.png': 'image/png',
  'coronal.png': 'image/png',
  'slices.bin.gz': 'application/gzip',
};

// Failures that a retry cannot fix: the job goes to the dead-letter queue at once, with its reason.
const PERMANENT = new Set(['BAD_INPUT', 'DicomError', 'NiftiError', 'SegWriteError', 'RangeError']);

/** Where an analysis' outputs live: one folder per series, analysis version and revision (a retry overwrites). */
export function resultPrefix(job: AnalysisJob): string {
  return `results/${job.studyUid}/${job.seriesUid}/v${job.analysisVersion}-r${job.revision}`;
}

/** Objects read at a time: enough to hide the store's latency, few enough that they finish one after another. */
const LOAD_CONCURRENCY = 16;

/** Loads the job's instances from the store, handing each to `send` as soon as it is read. */
function loadInstances(ctx: WorkerContext, job: AnalysisJob, log: Logger): Feed {
  const load = (key: string) =>
    whileUnreachable(ctx, 'load', log, async () => {
      const stream = await ctx.s3.getObject(job.bucket, key);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      // A private copy per object: its buffer is handed over (transferred) to the analysis thread.
      return new Uint8Array(Buffer.concat(chunks));
    });
  return (send) =>
    timed(ctx.metrics, 'load', () =>
      inLanes(job.objectKeys, LOAD_CONCURRENCY, async (key, i) => send(i, key, await load(key))),
    );
}

async function storeOutputs(ctx: WorkerContext, job: AnalysisJob, analysisId: number, r: ThreadResult, log: Logger) {
  const stored: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(r.files)) {
    const key = `${resultPrefix(job)}/${name}`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const mediaType = MEDIA_TYPES[name] ?? 'application/octet-stream';
    await whileUnreachable(ctx, 'store', log, () =>
      ctx.s3.putObject(job.bucket, key, Buffer.from(bytes), bytes.length, { 'Content-Type': mediaType }),
    );
    await saveArtifact(ctx.pool, { analysisId, kind: name.split('.')[0], objectKey: key, sha256, mediaType });
    stored[name] = key;
  }
  return stored;
}

/**
 * The patient's analysed CT before this study, for the SR's "change since the prior CT"; null when there is none or
 * the catalogue cannot say now (a comparison is a help: it never holds up or fails the analysis).
 */
async function priorOf(ctx: WorkerContext, studyId: number, log: Logger) {
  try {
    const prior = await priorStudyReport(ctx.pool, studyId);
    const reading = prior && readingOf(prior.report);
    return reading ? { reading, days: daysBetween(prior.studyDate, prior.currentDate) } : null;
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'no comparison with the prior CT: catalogue not readable');
    return null;
  }
}

/**
 * Analyses one series: instances from the object store, the engine in a worker thread, outputs back to the store,
 * results and engine versions in the catalogue, then SEG and SR to the originating Orthanc under the hospital's own
 * identifiers (once per analysis version and revision).
 */
export function analysisProcessor(ctx: WorkerContext): AnalysisProcessor {
  const { config } = ctx;
  return async (job, { jobId, attempt, progress }) => {
    const log = ctx.log.child({ correlationId: job.correlationId, jobId, attempt });
    const target = await analysisTarget(ctx.pool, jobId);
    if (!target) throw new UnrecoverableError(`analysis ${jobId} is not in the catalogue`);
    const restore = config.worker.writeBack && target.source === config.ingest.source;
    if (target.status === 'done') {
      // Finished before, but the queue did not hear of it (a crash after the catalogue was updated).
      const sent = (await writebacksOf(ctx.pool, target.id)).filter((w) => w.status === 'sent').length;
      if (!restore || sent === 2) {
        log.info('analysis already done; nothing to redo');
        return { analysisId: target.id, alreadyDone: true };
      }
    }
    try {
      await startAnalysis(ctx.pool, target.id);
      log.info({ seriesId: job.seriesId, instances: job.objectKeys.length }, 'analysis started');
      const prior = await priorOf(ctx, target.studyId, log);
      // Loading overlaps the thread's start and decoding: 'analyse' includes 'load'.
      const result = await timed(ctx.metrics, 'analyse', () =>
        runAnalysisThread(
          {
            seriesUid: job.seriesUid,
            method: config.worker.lesionMethod,
            uids: derivedUids(job.studyUid, job.seriesUid, job.analysisVersion, job.revision),
            restore,
            maxVoxels: config.worker.maxVoxels,
            prior,
          },
          {
            timeoutMs: config.worker.jobTimeoutMs,
            signal: ctx.signal,
            originals: originalsFor(ctx, job, target, log),
            onStage: (stage, i, n) => void progress({ stage, percent: Math.round((80 * i) / n) }).catch(() => {}),
          },
          loadInstances(ctx, job, log),
        ),
      );
      const artifacts = await timed(ctx.metrics, 'store-results', () => storeOutputs(ctx, job, target.id, result, log));
      const versions = {
        ...result.report.versions,
        lesionMethod: config.worker.lesionMethod,
        device: config.worker.device,
        node: process.version,
      };
      // the edge rebuilds the SR at the hospital from what the API gives: it needs the same sentence
      const summary = { report: result.report, artifacts, changeSincePrior: result.changeSincePrior ?? null };
      await finishAnalysis(ctx.pool, target.id, summary, versions);
      await audit(ctx.pool, { actor: 'worker', action: 'analysis.done', studyId: target.studyId, detail: { jobId } });
      await progress({ stage: 'write-back', percent: 90 }).catch(() => {});
      const sent = restore && result.restored ? await writeBack(ctx, target, result.restored, log) : [];
      ctx.metrics.jobs.inc({ outcome: 'done' });
      log.info(
        { involvement: result.report.involvement.percent, typicality: result.report.typicality.category, sent },
        'analysis done',
      );
      return { analysisId: target.id, artifacts, writeBack: sent };
    } catch (err) {
      // Shutting down past the grace period: leave the job active; its lock expires and stalled recovery hands it
      // to the next worker without spending an attempt.
      if (ctx.signal.aborted) return new Promise<never>(() => {});
      const code = err instanceof ThreadError ? err.code : failureReason(err);
      const origin = err instanceof ThreadError ? err.origin : '';
      const permanent = PERMANENT.has(code) || PERMANENT.has(origin) || err instanceof UnrecoverableError;
      // a refusal of the input: its reason is about the images, not about our servers
      const refused = permanent && code !== 'UnrecoverableError';
      const message = (err as Error).message;
      const last = permanent || attempt >= config.queue.attempts;
      await failAnalysis(ctx.pool, target.id, message, refused).catch(() => undefined);
      if (!last) await setAnalysisStatus(ctx.pool, jobId, 'retrying').catch(() => undefined);
      ctx.metrics.jobs.inc({ outcome: last ? 'failed' : 'retry' });
      ctx.metrics.failures.inc({ stage: 'job', reason: code.slice(0, 40) });
      log.error({ err: message, code, last }, 'analysis failed');
      // The series will get no result: say so in the hospital's PACS. Only for refusals of the input (a retry or a
      // replay cannot change them). A PACS that is away must not hold the worker's slot: past a minute the notice
      // goes on in the background, best effort. (An edge reads `refused` from the API and writes its own notice.)
      if (refused && restore)
        await within(sendNotice(ctx, job, target, message, log), 60_000, 'not-analysed notice').catch((e: Error) =>
          log.error({ err: e.message }, 'not-analysed notice not sent (yet)'),
        );
      throw permanent ? new UnrecoverableError(message) : err;
    }
  };
}
