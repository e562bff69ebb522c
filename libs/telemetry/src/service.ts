import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metrics every pipeline service exposes, under the same names so dashboards work across services. */
export interface PipelineMetrics {
  stageSeconds: Histogram<'stage'>;
  failures: Counter<'stage' | 'reason'>;
  queueDepth: Gauge<'queue' | 'state'>;
}

export function pipelineMetrics(registry: Registry): PipelineMetrics {
  return {
    stageSeconds: new Histogram({
      name: 'mic_stage_duration_seconds',
      help: 'Duration of a pipeline stage',
      labelNames: ['stage'],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'mic_failures_total',
      help: 'Failures by stage and reason',
      labelNames: ['stage', 'reason'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'mic_queue_depth',
      help: 'Jobs per queue and state, read at scrape time',
      labelNames: ['queue', 'state'],
      registers: [registry],
    }),
  };
}

/** Times `fn` into the stage histogram; a failure is counted with a short reason and rethrown. */
export async function timed<T>(metrics: PipelineMetrics, stage: string, fn: () => Promise<T>): Promise<T> {
  const end = metrics.stageSeconds.startTimer({ stage });
  try {
    return await fn();
  } catch (err) {
    metrics.failures.inc({ stage, reason: failureReason(err) });
    throw err;
  } finally {
    end();
  }
}

/** A bounded label value for a failure: the error's code or name, never its free text. */
export function failureReason(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  const raw = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  return raw.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
}

/** Dependency checks for /readyz: each resolves when its dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface ObservabilityOptions {
  registry: Registry;
  checks: ReadinessChecks;
  /** Checks whose failure is reported but does not make the service unready. */
  optional?: string[];
  /** Called before each scrape, e.g. to refresh queue depths. */
  beforeScrape?: () => Promise<void>;
  timeoutMs?: number;
}

/** `p`, or a rejection once `ms` have passed (a dependency that hangs must not hang its caller). */
export function within<T>(p: Promise<T>, ms: number, what?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what ? `${what}: no answer within ${ms} ms` : `timeout ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Serves /healthz (the process answers), /readyz (every required dependency answers; JSON with each check) and
 * /metrics (Prometheus). Returns false for any other path, so the caller can route it.
 */
export async function serveObservability(
  req: IncomingMessage,
  res: ServerResponse,
  opts: ObservabilityOptions,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return true;
  }
  if (path === '/readyz') {
    const results: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      Object.entries(opts.checks).map(async ([name, check]) => {
        try {
          await within(check(), opts.timeoutMs ?? 3000);
          results[name] = 'ok';
        } catch (err) {
          results[name] = (err as Error).message || 'failed';
          if (!opts.optional?.includes(name)) ready = false;
        }
      }),
    );
    res
      .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: ready ? 'ready' : 'not ready', checks: results }));
    return true;
  }
  if (path === '/metrics') {
    // A dependency that hangs (Redis away) must not hang the scrape: stale gauges are better than none.
    if (opts.beforeScrape) await within(opts.beforeScrape(), opts.timeoutMs ?? 3000).catch(() => undefined);
    res.writeHead(200, { 'content-type': opts.registry.contentType }).end(await opts.registry.metrics());
    return true;
  }
  return false;
}

/** Starts `server` on host:port and resolves to the port it got (a configured 0 picks a free one). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** Stops accepting and lets requests in flight finish; then drops whatever sockets are left. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
}

/** A sleep that `wake()` ends at once: a stopping service leaves its retry loop without waiting out the backoff. */
export function wakeableSleep(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wake: () => void = () => undefined;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      }),
    wake: () => wake(),
  };
}
