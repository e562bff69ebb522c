import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalogPool, type Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import { afterAll, beforeAll } from '@jest/globals';
import { startIngest, type IngestService } from '@mic/ingest';
import { analysisQueue } from '@mic/queue';
import { requireService } from './stack.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** `mic <args>` in its own process under this config (a file, as an operator's would be), no other MIC_ variable. */
export function micWith(config: Config) {
  const configFile = join(mkdtempSync(join(tmpdir(), 'mic-config-')), 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MIC_')));
  return (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'bin', 'mic.js'), ...args],
        { env: { ...env, MIC_CONFIG_FILE: configFile }, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
}

/**
 * Ingest in this process, taking STOW-RS uploads, with a pool on its catalogue; `close` stops it and drops its
 * queue and schema. The operator commands under test run against the same config.
 */
export async function uploadPlatform(
  config: Config,
): Promise<{ ingest: IngestService; pool: Pool; close(): Promise<void> }> {
  for (const s of ['postgres', 'redis', 's3', 'keycloak'] as const) await requireService(s);
  const ingest = await startIngest(config);
  await ingest.ready;
  const pool = createCatalogPool(config);
  return {
    ingest,
    pool,
    async close() {
      await ingest.stop();
      const queue = analysisQueue(config);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
      await pool.end();
    },
  };
}

/** uploadPlatform for the tests of one file: started before them, closed after (its fields are set once started). */
export function useUploadPlatform(config: Config): { ingest: IngestService; pool: Pool } {
  const platform = {} as { ingest: IngestService; pool: Pool; close?(): Promise<void> };
  beforeAll(async () => void Object.assign(platform, await uploadPlatform(config)));
  afterAll(async () => platform.close?.());
  return platform;
}
