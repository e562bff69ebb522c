import { Job, Queue, QueueEvents, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Config } from '@mic/config';
import { bullConnection } from './index.js';
import {
  analysisJobId,
  LANE_PRIORITY,
  parseAnalysisJob,
  type AnalysisJob,
  type AnalysisProgress,
  type DeadLetter,
} from './contracts.js';

export const ANALYSIS_QUEUE = 'analysis';
export const DEAD_LETTER_QUEUE = 'analysis-dlq';

function base(config: Config) {
  return { connection: bullConnection(config), prefix: config.queue.prefix };
}

export function analysisQueue(config: Config): Queue<AnalysisJob> {
  return new Queue<AnalysisJob>(ANALYSIS_QUEUE, {
    ...base(config),
    defaultJobOptions: {
      attempts: config.queue.attempts,
      backoff: { type: 'exponential', delay: config.queue.backoffMs },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: false,
    },
  });
}

export function deadLetterQueue(config: Config): Queue<DeadLetter> {
  return new Queue<DeadLetter>(DEAD_LETTER_QUEUE, base(config));
}

/** Progress and completion events of the analysis queue (Redis streams: no polling). */
export function analysisEvents(config: Config): QueueEvents {
  return new QueueEvents(ANALYSIS_QUEUE, base(config));
}

/** Adds an analysis job in its lane; adding the same study/series/version/revision again is a no-op. */
export async function enqueueAnalysis(queue: Queue<AnalysisJob>, job: AnalysisJob): Promise<Job<AnalysisJob>> {
  parseAnalysisJob(job);
  return queue.add('analyse', job, { jobId: analysisJobId(job), priority: LANE_PRIORITY[job.lane] });
}

export type AnalysisProcessor = (
  job: AnalysisJob,
  ctx: { jobId: string; attempt: number; progress: (p: AnalysisProgress) => Promise<void> },
) => Promise<unknown>;

/**
 * A worker on the analysis queue. A job that fails its last attempt (or throws UnrecoverableError) is copied to the
 * dead-letter queue with its reason before BullMQ marks it failed, so a crash in between cannot lose the record.
 */
export function analysisWorker(
  config: Config,
  processor: AnalysisProcessor,
  opts: Omit<WorkerOptions, 'connection' | 'prefix'> = {},
): Worker<AnalysisJob> {
  const dlq = deadLetterQueue(config);
  const worker = new Worker<AnalysisJob>(
    ANALYSIS_QUEUE,
    async (job) => {
      try {
        const data = parseAnalysisJob(job.data);
        return await processor(data, {
          jobId: job.id!,
          attempt: job.attemptsMade + 1,
          progress: (p) => job.updateProgress(p as unknown as object),
        });
      } catch (err) {
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
        if (last) {
          const letter: DeadLetter = {
            jobId: job.id!,
            queue: ANALYSIS_QUEUE,
            data: job.data,
            failedReason: (err as Error).message,
            attemptsMade: job.attemptsMade + 1,
            failedAt: new Date().toISOString(),
          };
          await dlq.add('dead', letter, { jobId: job.id! });
        }
        throw err;
      }
    },
    { ...opts, ...base(config) },
  );
  // The dead-letter queue's connection errors surface as the worker's, where the service logs them in one line.
  dlq.on('error', (err) => worker.emit('error', err));
  worker.on('closed', () => void dlq.close());
  return worker;
}

export async function deadLetters(config: Config, limit = 100): Promise<DeadLetter[]> {
  const dlq = deadLetterQueue(config);
  try {
    const jobs = await dlq.getJobs(['waiting', 'prioritized', 'delayed'], 0, limit - 1);
    return jobs.filter(Boolean).map((j) => j.data);
  } finally {
    await dlq.close();
  }
}

/**
 * Puts dead-lettered jobs (all, or the given ids) back on the analysis queue with fresh attempts, under their own
 * job ids, and removes them from the dead-letter queue. Returns the ids replayed.
 */
export async function replayDeadLetters(config: Config, ids?: string[]): Promise<string[]> {
  const dlq = deadLetterQueue(config);
  const queue = analysisQueue(config);
  const replayed: string[] = [];
  try {
    const letters = ids
      ? (await Promise.all(ids.map((id) => dlq.getJob(id)))).filter((j): j is Job<DeadLetter> => !!j)
      : await dlq.getJobs(['waiting', 'prioritized', 'delayed']);
    for (const letter of letters) {
      const original = await queue.getJob(letter.data.jobId);
      const state = original ? await original.getState() : 'missing';
      if (original && state === 'failed') {
        await original.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } else if (!original) {
        await enqueueAnalysis(queue, letter.data.data);
      }
      // Any other state: it already runs again (replayed earlier, or retried by hand).
      await letter.remove();
      replayed.push(letter.data.jobId);
    }
    return replayed;
  } finally {
    await Promise.all([dlq.close(), queue.close()]);
  }
}

export type QueueDepths = Record<string, number>;

/** Job counts by state, for metrics and `mic jobs`. */
export async function queueDepths(queue: Queue): Promise<QueueDepths> {
  return queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
}

/** Jobs per lane waiting for a worker, plus those running and those waiting out a retry backoff. */
export interface LaneLoad {
  clinicalWaiting: number;
  researchWaiting: number;
  active: number;
  delayed: number;
}

/** What the analysis queue holds, by lane: what an autoscaler sizes the workers by. */
export async function laneLoad(queue: Queue): Promise<LaneLoad> {
  const [byPriority, counts] = await Promise.all([
    queue.getCountsPerPriority([LANE_PRIORITY.clinical, LANE_PRIORITY.research]),
    queue.getJobCounts('waiting', 'active', 'delayed'),
  ]);
  return {
    clinicalWaiting: byPriority[String(LANE_PRIORITY.clinical)] ?? 0,
    // A job added without a priority sits in the plain wait list; it is served after the clinical lane.
    researchWaiting: (byPriority[String(LANE_PRIORITY.research)] ?? 0) + (counts.waiting ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
  };
}

/**
 * Removes the analysis jobs with these ids and their dead letters. Nothing is removed while one of them is being
 * analysed: those are named in `active` instead.
 */
export async function removeJobs(config: Config, ids: string[]): Promise<{ removed: string[]; active: string[] }> {
  const queue = analysisQueue(config);
  const dlq = deadLetterQueue(config);
  try {
    const jobs = (await Promise.all(ids.map((id) => queue.getJob(id)))).filter((j) => j !== undefined);
    const active = [];
    for (const job of jobs) if ((await job.getState()) === 'active') active.push(job.id!);
    if (active.length) return { removed: [], active };
    const removed: string[] = [];
    for (const job of jobs) {
      // taken by a worker since the look above: a locked job refuses removal
      const gone = await job.remove().then(
        () => true,
        () => false,
      );
      if (!gone) return { removed, active: [job.id!] };
      removed.push(job.id!);
    }
    for (const id of ids) await (await dlq.getJob(id))?.remove();
    return { removed, active: [] };
  } finally {
    await Promise.all([queue.close(), dlq.close()]);
  }
}
