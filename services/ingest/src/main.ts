import { createServer, type Server } from 'node:http';
import { configuredVerifier } from '@mic/auth';
import { createCatalogPool, migrate } from '@mic/catalog';
import type { Config } from '@mic/config';
import { DEID_OPTIONS, type DeidOption } from '@mic/dicom';
import { analysisQueue, pingRedis, queueDepths, ANALYSIS_QUEUE } from '@mic/queue';
import { createS3Client, ensureBucket } from '@mic/storage';
import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  listen,
  pipelineMetrics,
  serveObservability,
  wakeableSleep,
} from '@mic/telemetry';
import { Counter } from 'prom-client';
import type { IngestContext, IngestHooks, IngestMetrics } from './context.js';
import { followOnce, Stopped } from './follower.js';
import { reconcileQueue } from './finalize.js';
import { OrthancClient } from './orthanc.js';
import { handleStow } from './stow.js';

export interface IngestService {
  /** The HTTP port bound. */
  port: number;
  /** Resolves once migrations ran and the bucket exists (retried until the servers answer). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

function deidOptions(text: string): DeidOption[] {
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = out.filter((o) => !DEID_OPTIONS.includes(o as DeidOption));
  if (unknown.length) throw new Error(`ingest.deidOptions: unknown option(s) ${unknown.join(', ')}`);
  return out as DeidOption[];
}

/**
 * Starts ingest: the HTTP server (STOW-RS, /healthz, /readyz, /metrics) at once, then the Orthanc change-feed
 * follower. Unreachable servers are logged and retried with backoff; the HTTP side keeps answering meanwhile.
 */
export async function startIngest(config: Config, hooks: IngestHooks = {}): Promise<IngestService> {
  const log = createLogger('ingest', config.logLevel);
  const registry = createMetricsRegistry('ingest');
  const metrics: IngestMetrics = {
    ...pipelineMetrics(registry),
    instances: new Counter({
      name: 'mic_ingest_instances_total',
      help: 'Instances handled by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'mic_ingest_jobs_enqueued_total',
      help: 'Analysis jobs enqueued by lane',
      labelNames: ['lane'],
      registers: [registry],
    }),
  };
  let stopping = false;
  const ctx: IngestContext = {
    config,
    pool: createCatalogPool(config, { max: 5 }),
    s3: createS3Client(config),
    queue: analysisQueue(config),
    log,
    metrics,
    deidOptions: deidOptions(config.ingest.deidOptions),
    verify: configuredVerifier(config),
    hooks,
    stopping: () => stopping,
  };
  ctx.pool.on('error', (err) => log.warn({ err: err.message }, 'idle catalogue connection failed'));
  ctx.queue.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));
  const orthanc = new OrthancClient(config);

  const { sleep, wake } = wakeableSleep();
  const backoff = (n: number) => Math.min(config.ingest.retryMaxMs, config.ingest.pollMs * 2 ** Math.min(n, 10));

  let initialized = false;
  const ready = (async () => {
    for (let n = 0; !stopping; n++) {
      try {
        await migrate(ctx.pool, config.catalog.schema);
        await ensureBucket(ctx.s3, config.s3.bucket, config.s3.region);
        initialized = true;
        log.info({ schema: config.catalog.schema, bucket: config.s3.bucket }, 'catalogue migrated, bucket ready');
        return;
      } catch (err) {
        log.error({ err: (err as Error).message, retryMs: backoff(n) }, 'start-up dependencies not reachable');
        await sleep(backoff(n));
      }
    }
  })();

  const loop = (async () => {
    await ready;
    let lastError = '';
    let reconciled = 0;
    for (let failures = 0; !stopping;) {
      try {
        if (Date.now() - reconciled >= config.ingest.reconcileMs) {
          await reconcileQueue(ctx);
          reconciled = Date.now();
        }
        await followOnce(ctx, orthanc);
        if (lastError) log.info('change feed recovered');
        failures = 0;
        lastError = '';
      } catch (err) {
        if (err instanceof Stopped) break;
        const message = (err as Error).message;
        // One line per distinct problem, not one per retry.
        if (message !== lastError)
          log.error({ err: message, retryMs: backoff(failures + 1) }, 'change feed round failed');
        lastError = message;
        failures++;
      }
      if (!stopping) await sleep(failures ? backoff(failures) : config.ingest.pollMs);
    }
  })();

  const observability = {
    registry,
    optional: ['orthanc'],
    checks: {
      catalog: async () => {
        await ctx.pool.query('SELECT 1');
        if (!initialized) throw new Error('migrations not applied yet');
      },
      queue: () => pingRedis(config),
      store: async () => {
        if (!(await ctx.s3.bucketExists(config.s3.bucket))) throw new Error(`bucket ${config.s3.bucket} missing`);
      },
      orthanc: () => orthanc.system(),
    },
    beforeScrape: async () => {
      const depths = await queueDepths(ctx.queue);
      for (const [state, n] of Object.entries(depths)) metrics.queueDepth.set({ queue: ANALYSIS_QUEUE, state }, n);
    },
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (await serveObservability(req, res, observability)) return;
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'POST' && path === '/dicomweb/studies') {
        if (!initialized) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"ingest is not ready yet"}');
          return;
        }
        return handleStow(ctx, req, res);
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    })().catch((err: Error) => {
      log.error({ err: err.message, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err.message }));
    });
  });
  const port = await listen(server, config.ingest.port, config.ingest.host);
  log.info({ port, source: config.ingest.source, society: config.ingest.society }, 'ingest listening');

  return {
    port,
    ready,
    async stop() {
      stopping = true;
      wake();
      await ready;
      await loop;
      await closeServer(server);
      await ctx.queue.close();
      await ctx.pool.end();
    },
  };
}
