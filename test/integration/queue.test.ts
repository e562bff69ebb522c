import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { bullConnection } from '@mic/queue';
import { config, requireService } from './support/stack.js';

jest.setTimeout(30_000);

describe('Redis + BullMQ', () => {
  const name = `it-roundtrip-${randomUUID()}`;
  let queue: Queue;
  let events: QueueEvents;
  let worker: Worker;

  beforeAll(async () => {
    await requireService('redis');
    const connection = bullConnection(config);
    queue = new Queue(name, { connection });
    events = new QueueEvents(name, { connection });
    worker = new Worker(name, async (job) => ({ sum: (job.data.a as number) + (job.data.b as number), by: job.name }), {
      connection,
    });
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  });

  afterAll(async () => {
    await worker?.close();
    await events?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
  });

  it('runs a job through Redis and returns its result to the producer', async () => {
    const job = await queue.add('add', { a: 20, b: 22 });
    const result = await job.waitUntilFinished(events, 20_000);
    expect(result).toEqual({ sum: 42, by: 'add' });
    const stored = await queue.getJob(job.id!);
    expect(stored?.returnvalue).toEqual({ sum: 42, by: 'add' });
    expect(await stored?.getState()).toBe('completed');
  });

  it('reports a failing job as failed with its error message', async () => {
    const failing = new Worker(
      `${name}-fail`,
      async () => {
        throw new Error('bad input');
      },
      { connection: bullConnection(config) },
    );
    const q = new Queue(`${name}-fail`, { connection: bullConnection(config) });
    const ev = new QueueEvents(`${name}-fail`, { connection: bullConnection(config) });
    try {
      await ev.waitUntilReady();
      const job = await q.add('x', {}, { attempts: 1 });
      await expect(job.waitUntilFinished(ev, 20_000)).rejects.toThrow('bad input');
    } finally {
      await failing.close();
      await ev.close();
      await q.obliterate({ force: true });
      await q.close();
    }
  });
});
