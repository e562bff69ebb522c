import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, type Worker } from 'bullmq';
import { loadConfig } from '@mic/config';
import {
  analysisEvents,
  analysisQueue,
  analysisWorker,
  deadLetters,
  enqueueAnalysis,
  replayDeadLetters,
  type AnalysisJob,
  type AnalysisProgress,
  type Lane,
} from '@mic/queue';
import { requireService } from './support/stack.js';

jest.setTimeout(60_000);

const config = loadConfig({
  overrides: { queue: { prefix: `it-q-${randomBytes(4).toString('hex')}`, attempts: 3, backoffMs: 100 } },
});

function job(seriesId: number, lane: Lane, revision = 1): AnalysisJob {
  return {
    studyId: 1,
    seriesId,
    studyUid: '2.25.1',
    seriesUid: `2.25.${seriesId}`,
    society: 'A',
    bucket: 'mic',
    objectKeys: [`dicom/00/${seriesId}.dcm`],
    lane,
    analysisVersion: '1',
    revision,
    correlationId: 'study-1',
  };
}

describe('analysis queue (BullMQ on the local Redis)', () => {
  const queue = analysisQueue(config);
  const events = analysisEvents(config);
  const workers: Worker[] = [];

  beforeAll(async () => {
    await requireService('redis');
    await events.waitUntilReady();
  });

  afterAll(async () => {
    for (const w of workers) await w.close();
    await events.close();
    await queue.obliterate({ force: true });
    const dlq = (await import('@mic/queue')).deadLetterQueue(config);
    await dlq.obliterate({ force: true });
    await dlq.close();
    await queue.close();
  });

  it('keeps one job per study, series, version and revision', async () => {
    const a = await enqueueAnalysis(queue, job(1, 'research'));
    const b = await enqueueAnalysis(queue, job(1, 'research'));
    expect(b.id).toBe(a.id);
    const c = await enqueueAnalysis(queue, job(1, 'research', 2));
    expect(c.id).not.toBe(a.id);
    expect(await queue.getJobCountByTypes('prioritized', 'waiting')).toBe(2);
    await queue.obliterate({ force: true });
  });

  it('runs clinical jobs before research jobs queued earlier, and reports progress as events', async () => {
    for (const id of [10, 11, 12]) await enqueueAnalysis(queue, job(id, 'research'));
    await enqueueAnalysis(queue, job(13, 'clinical'));
    const order: number[] = [];
    const progress: AnalysisProgress[] = [];
    events.on('progress', ({ data }) => progress.push(data as unknown as AnalysisProgress));
    const done = new Promise<void>((resolve) => {
      events.on('completed', () => order.length === 4 && resolve());
    });
    workers.push(
      analysisWorker(
        config,
        async (data, ctx) => {
          order.push(data.seriesId);
          await ctx.progress({ stage: 'lungs', percent: 50 });
          return { ok: true };
        },
        { concurrency: 1 },
      ),
    );
    await done;
    expect(order[0]).toBe(13);
    expect(order.slice(1)).toEqual([10, 11, 12]);
    expect(progress).toContainEqual({ stage: 'lungs', percent: 50 });
    await workers.pop()!.close();
    events.removeAllListeners();
  });

  it('retries with backoff, dead-letters the job with its reason, and replays it', async () => {
    let attempts = 0;
    let fail = true;
    const worker = analysisWorker(config, async (data, ctx) => {
      if (data.seriesId !== 20) return null;
      attempts = ctx.attempt;
      if (fail) throw new Error(`series unreadable (attempt ${ctx.attempt})`);
      return { ok: true };
    });
    workers.push(worker);
    const added = await enqueueAnalysis(queue, job(20, 'clinical'));
    await expect(added.waitUntilFinished(events, 30_000)).rejects.toThrow(/attempt 3/);
    expect(attempts).toBe(3);
    const letters = await deadLetters(config);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      jobId: added.id,
      attemptsMade: 3,
      failedReason: 'series unreadable (attempt 3)',
    });
    expect(letters[0].data.seriesId).toBe(20);

    fail = false;
    expect(await replayDeadLetters(config)).toEqual([added.id]);
    expect(await deadLetters(config)).toHaveLength(0);
    const replayed = await queue.getJob(added.id!);
    expect(await replayed!.waitUntilFinished(events, 30_000)).toEqual({ ok: true });
    await workers.pop()!.close();
  });

  it('dead-letters at once on an unrecoverable error', async () => {
    const worker = analysisWorker(config, async (data) => {
      if (data.seriesId === 30) throw new UnrecoverableError('not a CT series');
      return null;
    });
    workers.push(worker);
    const added = await enqueueAnalysis(queue, job(30, 'research'));
    await expect(added.waitUntilFinished(events, 30_000)).rejects.toThrow('not a CT series');
    const letter = (await deadLetters(config)).find((l) => l.jobId === added.id);
    expect(letter).toMatchObject({ attemptsMade: 1, failedReason: 'not a CT series' });
  });
});
