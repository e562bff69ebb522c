import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AccessError, configuredVerifier, fetchDiscovery, issuerUrl, verifyBearer } from '@mic/auth';
import { createCatalogPool, migrate } from '@mic/catalog';
import type { Config } from '@mic/config';
import { createS3Client } from '@mic/storage';
import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  listen,
  serveObservability,
  wakeableSleep,
} from '@mic/telemetry';
import { Counter, Histogram } from 'prom-client';
import { readScope } from './access.js';
import type { ApiContext } from './context.js';
import { HttpError, isUnreachable, sendJson } from './http.js';
import { RateLimiter } from './limit.js';
import { openapi } from './openapi.js';
import { match } from './routes.js';
import { serveWeb } from './web.js';

export interface ApiService {
  port: number;
  /** Resolves once the catalogue schema is migrated (retried until PostgreSQL answers). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the query API and web viewer: /api/v1 (bearer tokens of the realm, read scope by role, every read
 * audited), /openapi.json, the viewer's files, /healthz, /readyz and /metrics. A server behind it that does not
 * answer gives 503 with the reason on that request only; the process keeps serving.
 */
export async function startApi(config: Config): Promise<ApiService> {
  const log = createLogger('api', config.logLevel);
  const registry = createMetricsRegistry('api');
  const requests = new Counter({
    name: 'mic_api_requests_total',
    help: 'API requests by route and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'mic_api_request_duration_seconds',
    help: 'API request duration by route',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const ctx: ApiContext = {
    config,
    pool: createCatalogPool(config, { max: 10, connectionTimeoutMillis: 5000 }),
    s3: createS3Client(config),
    verify: configuredVerifier(config),
    log,
  };
  ctx.pool.on('error', (err) => log.warn({ err: err.message }, 'idle catalogue connection failed'));
  const issuer = issuerUrl(config);
  const limiter = new RateLimiter(config.api.rateLimitPerSecond, config.api.rateLimitBurst);

  let stopping = false;
  let migrated = false;
  const { sleep, wake } = wakeableSleep();
  // The API reads the schema ingest and the worker write; migrating here too lets it start first.
  const ready = (async () => {
    for (let n = 0; !stopping; n++) {
      try {
        await migrate(ctx.pool, config.catalog.schema);
        migrated = true;
        return;
      } catch (err) {
        log.error({ err: (err as Error).message }, 'catalogue not reachable at start-up; retrying');
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(n, 6)));
      }
    }
  })();

  const observability = {
    registry,
    checks: {
      catalog: async () => {
        await ctx.pool.query('SELECT 1');
        if (!migrated) throw new Error('migrations not applied yet');
      },
      store: async () => {
        if (!(await ctx.s3.bucketExists(config.s3.bucket))) throw new Error(`bucket ${config.s3.bucket} missing`);
      },
      issuer: () => fetchDiscovery(issuer),
    },
  };

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> {
    const found = match(url.pathname);
    if (!found) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, `${req.method} not allowed; the query API is read-only`);
    const claims = await verifyBearer(ctx.verify, req.headers.authorization);
    const { uploadClient, society } = config.ingest;
    const scope = readScope(claims, { clientId: uploadClient, society });
    if (scope.uploadsOnly && !found.route.edge)
      throw new HttpError(403, `${scope.who} is a society's edge: it reads the results of its own uploads only`);
    const wait = limiter.take(scope.who);
    if (wait > 0)
      throw new HttpError(429, `${scope.who}: too many requests; retry in ${wait} s`, { 'retry-after': String(wait) });
    await found.route.handle({ ctx, scope, url, params: found.params, res });
    return found.route.name;
  }

  function refuse(res: ServerResponse, err: unknown, url: string): number {
    let status = 500;
    let message = 'internal error';
    let extra: Record<string, string> = {};
    if (err instanceof HttpError || err instanceof AccessError) {
      status = err.status;
      message = err.message;
      if (err instanceof HttpError) extra = err.headers;
    } else if (isUnreachable(err)) {
      status = 503;
      message = `a backing service is not reachable: ${(err as Error).message}`;
      log.warn({ err: (err as Error).message, url }, 'request failed: dependency not reachable');
    } else {
      log.error({ err: (err as Error).message, url }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy(); // a file stream broke half-way: cut the connection so the client sees an incomplete body
      return status;
    }
    const headers: Record<string, string> = { ...extra };
    if (status === 401) headers['www-authenticate'] = `Bearer realm="${config.keycloak.realm}"`;
    if (status === 503) headers['retry-after'] = '5';
    if (status === 405) headers.allow = 'GET, HEAD';
    sendJson(res, status, { error: message }, headers);
    return status;
  }

  const server = createServer((req, res) => {
    const end = seconds.startTimer();
    let route = 'other';
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://api');
      try {
        if (await serveObservability(req, res, observability)) {
          route = 'observability';
          return;
        }
        if (url.pathname.startsWith('/api/')) {
          route = 'api';
          route = await api(req, res, url);
          return;
        }
        if (req.method === 'GET' && url.pathname === '/openapi.json') {
          route = 'openapi';
          return sendJson(res, 200, openapi);
        }
        if (req.method === 'GET' && (await serveWeb(url.pathname, res, issuer, config.api.webClientId))) {
          route = 'web';
          return;
        }
        throw new HttpError(404, `not found: ${url.pathname}`);
      } catch (err) {
        refuse(res, err, req.url ?? '');
      }
    })().finally(() => {
      requests.inc({ route, status: String(res.statusCode) });
      end({ route });
    });
  });
  const port = await listen(server, config.api.port, config.api.host);
  log.info({ port, issuer }, 'api listening');

  return {
    port,
    ready,
    async stop() {
      stopping = true;
      wake();
      await ready;
      await closeServer(server);
      await ctx.pool.end();
    },
  };
}
