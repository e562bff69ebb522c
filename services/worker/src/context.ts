import type { Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import type { S3Client } from '@mic/storage';
import type { Logger, PipelineMetrics } from '@mic/telemetry';
import type { Counter } from 'prom-client';

export interface WorkerMetrics extends PipelineMetrics {
  jobs: Counter<'outcome'>;
  writebacks: Counter<'kind' | 'outcome'>;
}

export interface WorkerContext {
  config: Config;
  pool: Pool;
  s3: S3Client;
  log: Logger;
  metrics: WorkerMetrics;
  /** Aborted when the shutdown grace period is over: the running analysis is dropped, its job left to recovery. */
  signal: AbortSignal;
}
