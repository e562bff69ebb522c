import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';

export type { Logger };

/** JSON logs on stdout; `correlationId` (usually a study id) is bound by callers with `child`. */
export function createLogger(service: string, level = process.env.MIC_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export * from './service.js';
export { inLanes } from './lanes.js';
