import { createServer, type Server } from 'node:http';
import { createCatalogPool, migrate } from '@mic/catalog';
import type { Config } from '@mic/config';
import {
  analysisQueue,
  analysisWorker,
  deadLetterQueue,
  pingRedis,
  queueDepths,
  ANALYSIS_QUEUE,
  DEAD_LETTER_QUEUE,
} from '@mic/queue';
import { createS3Client } from '@mic/storage';
import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  listen,
  pipelineMetrics,
  serveObservability,
  wakeableSleep,
} from '@mic/telemetry';
import type { Worker } from 'bullmq';
import { Counter } from 'prom-client';
import type { WorkerContext, WorkerMetrics } from './context.js';
import { orthancSystem } from './orthanc.js';
import { analysisProcessor } from './process.js';

export interface WorkerService {
  port: number;
  /** Resolves once the catalogue is migrated and the queue worker runs (retried until the servers answer). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the analysis worker: /healthz, /readyz and /metrics at once, then the queue worker once the catalogue
 * answers. Analyses run in worker threads, so this event loop keeps renewing job locks and answering probes.
 */
export async function startWorker(config: Config): Promise<WorkerService> {
  if (config.worker.device === 'gpu')
    throw new Error('worker.device is gpu, but the analysis engine has CPU kernels only in this version; use cpu');
  const log = createLogger('worker', config.logLevel);
  const registry = createMetricsRegistry('worker');
  const metrics: WorkerMetrics = {
    ...pipelineMetrics(registry),
    jobs: new Counter({
      name: 'mic_worker_jobs_total',
      help: 'Analysis jobs by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    writebacks: new Counter({
      name: 'mic_worker_writebacks_total',
      help: 'SEG/SR write-backs by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
  };
  const abort = new AbortController();
  const ctx: WorkerContext = {
    config,
    pool: createCatalogPool(config, { max: 4 }),
    s3: createS3Client(config),
    log,
    metrics,
    signal: abort.signal,
  };
  ctx.pool.on('error', (err) => log.warn({ err: err.message }, 'idle catalogue connection failed'));
  const queue = analysisQueue(config);
  const dlq = deadLetterQueue(config);
  for (const q of [queue, dlq]) q.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));

  let stopping = false;
  let worker: Worker | undefined;
  const { sleep, wake } = wakeableSleep();

  const ready = (async () => {
    for (let n = 0; !stopping; n++) {
      try {
        await migrate(ctx.pool, config.catalog.schema);
        break;
      } catch (err) {
        const retryMs = Math.min(30_000, 500 * 2 ** Math.min(n, 6));
        log.error({ err: (err as Error).message, retryMs }, 'catalogue not reachable');
        await sleep(retryMs);
      }
    }
    if (stopping) return;
    const w = config.worker;
    worker = analysisWorker(config, analysisProcessor(ctx), {
      concurrency: w.concurrency,
      lockDuration: w.lockDurationMs,
      stalledInterval: w.stalledIntervalMs,
      maxStalledCount: w.maxStalledCount,
    });
    worker.on('error', (err) => log.warn({ err: err.message }, 'queue worker error'));
    worker.on('stalled', (jobId) => {
      metrics.failures.inc({ stage: 'job', reason: 'stalled' });
      log.warn({ jobId }, 'stalled job recovered: it runs again');
    });
    log.info({ concurrency: w.concurrency, lockDurationMs: w.lockDurationMs, device: w.device }, 'worker started');
  })();

  const observability = {
    registry,
    optional: ['orthanc'],
    checks: {
      catalog: async () => {
        await ctx.pool.query('SELECT 1');
        if (!worker) throw new Error('not started yet');
      },
      queue: () => pingRedis(config),
      store: async () => {
        if (!(await ctx.s3.bucketExists(config.s3.bucket))) throw new Error(`bucket ${config.s3.bucket} missing`);
      },
      orthanc: () => orthancSystem(config),
    },
    beforeScrape: async () => {
      for (const [name, q] of [
        [ANALYSIS_QUEUE, queue],
        [DEAD_LETTER_QUEUE, dlq],
      ] as const)
        for (const [state, n] of Object.entries(await queueDepths(q)))
          metrics.queueDepth.set({ queue: name, state }, n);
    },
  };
  const server: Server = createServer((req, res) => {
    void serveObservability(req, res, observability)
      .then((served) => {
        if (!served) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      })
      .catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err.message }));
      });
  });
  const port = await listen(server, config.worker.port, config.worker.host);
  log.info({ port }, 'worker listening');

  return {
    port,
    ready,
    async stop() {
      stopping = true;
      wake();
      await ready;
      if (worker) {
        // Let the current job finish within the grace period; past it, drop it (stalled recovery re-runs it).
        const grace = setTimeout(() => {
          log.warn({ graceMs: config.worker.shutdownGraceMs }, 'job still running at shutdown: left for recovery');
          abort.abort();
          void worker?.close(true);
        }, config.worker.shutdownGraceMs);
        const dropped = new Promise<void>((resolve) =>
          setTimeout(resolve, config.worker.shutdownGraceMs + 2000).unref(),
        );
        await Promise.race([worker.close(), dropped]);
        clearTimeout(grace);
      }
      await closeServer(server);
      await Promise.all([queue.close(), dlq.close()]);
      await ctx.pool.end();
      log.info('worker stopped');
    },
  };
}
