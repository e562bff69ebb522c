import type { TokenVerifier } from '@mic/auth';
import type { Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import type { S3Client } from '@mic/storage';
import type { Logger } from '@mic/telemetry';

export interface ApiContext {
  config: Config;
  pool: Pool;
  s3: S3Client;
  verify: TokenVerifier;
  log: Logger;
}
