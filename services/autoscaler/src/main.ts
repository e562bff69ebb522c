import { createServer } from 'node:http';
import type { Config } from '@mic/config';
import { analysisQueue, laneLoad, pingRedis, type LaneLoad } from '@mic/queue';
import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  failureReason,
  listen,
  serveObservability,
  within,
} from '@mic/telemetry';
import { Counter, Gauge } from 'prom-client';
import { decide, type Decision, type Recommendation, type ScalePolicy } from './decide.js';
import { inClusterAccess, readScale, writeScale, type KubernetesAccess } from './kubernetes.js';

export interface Tick {
  at: string;
  load: LaneLoad;
  decision: Decision;
  /** The Deployment's replicas before this tick (kubernetes mode), or null (advise mode). */
  current: number | null;
  /** Whether this tick changed the Deployment. */
  scaled: boolean;
}

export interface AutoscalerService {
  port: number;
  /** One look at the queue and, in kubernetes mode, one change to the Deployment. Throws what failed. */
  tick(): Promise<Tick>;
  last(): Tick | undefined;
  stop(): Promise<void>;
}

export interface AutoscalerOptions {
  /** The API server and credentials (default: the pod's service account). */
  kubernetes?: KubernetesAccess;
  /** Run ticks every `autoscaler.intervalMs` (default true); tests drive `tick()` themselves. */
  loop?: boolean;
}

/**
 * Sizes the worker Deployment by the analysis queue: clinical jobs never wait for a free worker, the research
 * backlog queues up to `jobsPerReplica` per worker, scale-down waits out `scaleDownWindowMs`. A tick that cannot
 * read the queue or the Deployment changes nothing; the next one tries again.
 */
export async function startAutoscaler(config: Config, opts: AutoscalerOptions = {}): Promise<AutoscalerService> {
  const log = createLogger('autoscaler', config.logLevel);
  const registry = createMetricsRegistry('autoscaler');
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const loadGauge = gauge('mic_autoscaler_queue_jobs', 'Analysis jobs by lane and state', ['lane', 'state']);
  const wantedGauge = gauge('mic_autoscaler_wanted_replicas', 'Worker replicas the current load asks for');
  const desiredGauge = gauge('mic_autoscaler_desired_replicas', 'Worker replicas set (after the scale-down window)');
  const currentGauge = gauge('mic_autoscaler_current_replicas', 'Worker replicas of the Deployment before the tick');
  const scaled = new Counter({
    name: 'mic_autoscaler_scale_total',
    help: 'Changes made to the worker Deployment',
    labelNames: ['direction'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'mic_autoscaler_errors_total',
    help: 'Ticks that failed, by what failed',
    labelNames: ['source', 'reason'],
    registers: [registry],
  });

  const { autoscaler: a } = config;
  const policy: ScalePolicy = {
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    concurrency: config.worker.concurrency,
    jobsPerReplica: a.jobsPerReplica,
    scaleDownWindowMs: a.scaleDownWindowMs,
  };
  const kubernetes =
    a.mode === 'kubernetes' ? (opts.kubernetes ?? (await inClusterAccess(a.kubernetesUrl))) : undefined;
  const queue = analysisQueue(config);
  queue.on('error', () => undefined); // reported by the tick that meets it
  const history: Recommendation[] = [];
  let last: Tick | undefined;
  let lastProblem = '';

  async function tick(): Promise<Tick> {
    const timeout = Math.max(2000, Math.min(10_000, a.intervalMs));
    let load: LaneLoad;
    try {
      load = await within(laneLoad(queue), timeout, 'queue');
    } catch (err) {
      errors.inc({ source: 'queue', reason: failureReason(err) });
      throw err;
    }
    const decision = decide(load, policy, history, Date.now());
    loadGauge.set({ lane: 'clinical', state: 'waiting' }, load.clinicalWaiting);
    loadGauge.set({ lane: 'research', state: 'waiting' }, load.researchWaiting);
    loadGauge.set({ lane: 'all', state: 'active' }, load.active);
    loadGauge.set({ lane: 'all', state: 'delayed' }, load.delayed);
    wantedGauge.set(decision.wanted);
    desiredGauge.set(decision.replicas);
    let current: number | null = null;
    let changed = false;
    if (kubernetes) {
      try {
        current = (await readScale(kubernetes, a.deployment)).replicas;
        currentGauge.set(current);
        if (current !== decision.replicas) {
          await writeScale(kubernetes, a.deployment, decision.replicas);
          changed = true;
          scaled.inc({ direction: decision.replicas > current ? 'up' : 'down' });
          log.info({ from: current, to: decision.replicas, reason: decision.reason, load }, 'worker replicas changed');
        }
      } catch (err) {
        errors.inc({ source: 'kubernetes', reason: failureReason(err) });
        throw err;
      }
    } else if (last?.decision.replicas !== decision.replicas) {
      log.info({ replicas: decision.replicas, reason: decision.reason, load }, 'worker replicas advised');
    }
    last = { at: new Date().toISOString(), load, decision, current, scaled: changed };
    return last;
  }

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = () => {
    if (stopping || opts.loop === false) return;
    timer = setTimeout(() => {
      running = tick()
        .then(() => (lastProblem = ''))
        .catch((err: Error) => {
          // One line per distinct problem, not one per tick, while a dependency stays away.
          if (err.message !== lastProblem) log.error({ err: err.message }, 'tick failed; nothing changed');
          lastProblem = err.message;
        })
        .finally(schedule);
    }, a.intervalMs);
  };

  const observability = {
    registry,
    checks: {
      queue: () => pingRedis(config),
      ...(kubernetes ? { kubernetes: () => readScale(kubernetes, a.deployment) } : {}),
    },
  };
  const server = createServer((req, res) => {
    void (async () => {
      if (await serveObservability(req, res, observability)) return;
      if (req.method === 'GET' && req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ mode: a.mode, deployment: a.deployment, policy, last: last ?? null }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    })().catch((err: Error) => {
      log.error({ err: err.message, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err.message }));
    });
  });
  const port = await listen(server, a.port, a.host);
  log.info({ port, mode: a.mode, deployment: a.deployment, policy }, 'autoscaler listening');
  // The first look comes at once, so a restarted autoscaler does not wait an interval to act.
  if (opts.loop !== false) {
    running = tick().catch((err: Error) => {
      lastProblem = err.message;
      log.error({ err: err.message }, 'tick failed; nothing changed');
    });
    void running.finally(schedule);
  }

  return {
    port,
    tick,
    last: () => last,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running;
      await closeServer(server);
      await queue.close();
    },
  };
}
