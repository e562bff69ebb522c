import type { TokenVerifier } from '@mic/auth';
import type { Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import type { DeidOption } from '@mic/dicom';
import type { AnalysisJob } from '@mic/queue';
import type { S3Client } from '@mic/storage';
import type { Logger, PipelineMetrics } from '@mic/telemetry';
import type { Queue } from 'bullmq';
import type { Counter } from 'prom-client';

export interface IngestMetrics extends PipelineMetrics {
  instances: Counter<'outcome'>;
  jobs: Counter<'lane'>;
}

/** What one stored instance reports, for observers (tests, progress). */
export interface InstanceEvent {
  source: string;
  sourceRef: string;
  /** The source's study (Orthanc study id), when known. */
  sourceStudy?: string;
  outcome: 'stored' | 'duplicate' | 'quarantined';
  studyId?: number;
  reason?: string;
}

export interface IngestHooks {
  onInstance?: (event: InstanceEvent) => void;
}

export interface IngestContext {
  config: Config;
  pool: Pool;
  s3: S3Client;
  queue: Queue<AnalysisJob>;
  log: Logger;
  metrics: IngestMetrics;
  deidOptions: DeidOption[];
  /** Checks the bearer tokens of STOW-RS uploads against the realm's keys. */
  verify: TokenVerifier;
  hooks: IngestHooks;
  /** Set when the service stops: long passes check it between instances. */
  stopping: () => boolean;
}
