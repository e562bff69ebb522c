import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  createCatalogPool,
  migrate,
  recordAnalysis,
  recordSelection,
  upsertInstance,
  upsertSeries,
  upsertStudy,
  type Pool,
} from '@mic/catalog';
import { requireService } from './support/stack.js';
import { freePort, isolatedConfig, waitFor } from './support/ingest.js';

jest.setTimeout(90_000);

const root = join(import.meta.dirname, '..', '..');
const config = await isolatedConfig();
const env = {
  ...process.env,
  MIC_CATALOG_SCHEMA: config.catalog.schema,
  MIC_QUEUE_PREFIX: config.queue.prefix,
  MIC_LOG_LEVEL: 'warn',
};
const mic = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'mic.js'), ...args], { env, encoding: 'utf8', timeout: 60_000 });

describe('catalogue migrations and the platform commands', () => {
  let pool: Pool;
  let studyId: number;

  beforeAll(async () => {
    await requireService('postgres');
    await requireService('redis');
    pool = createCatalogPool(config);
  });

  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
  });

  it('applies each migration once and records its version', async () => {
    const first = await migrate(pool, config.catalog.schema);
    expect(first[0]).toBe(1);
    expect(await migrate(pool, config.catalog.schema)).toEqual([]);
    const { rows } = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(first);
  });

  it('lists and shows studies as JSON, with the not-analysed reason of a rejected series', async () => {
    const study = await upsertStudy(pool, {
      society: 'A',
      patientPseudonym: 'P1',
      studyUid: '2.25.100',
      source: 'stow',
    });
    studyId = study.id;
    const ct = await upsertSeries(pool, { studyId, seriesUid: '2.25.101', modality: 'CT', bodyPart: 'CHEST' });
    const scout = await upsertSeries(pool, { studyId, seriesUid: '2.25.102', modality: 'CT' });
    await upsertInstance(pool, {
      seriesId: ct,
      sopUid: '2.25.103',
      objectKey: 'dicom/aa/a.dcm',
      sha256: 'a',
      sizeBytes: 1,
    });
    await recordSelection(pool, ct, null);
    await recordSelection(pool, scout, 'localizer (scout) series');
    await recordAnalysis(pool, {
      seriesId: ct,
      analysisVersion: '1',
      revision: 1,
      jobId: 'analysis-x',
      lane: 'clinical',
    });

    const list = mic('studies', 'list', '--json');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id: studyId, society: 'A', patient: 'P1', seriesCount: 2, instanceCount: 1 }),
    ]);

    const show = mic('studies', 'show', String(studyId), '--json');
    expect(show.status).toBe(0);
    const detail = JSON.parse(show.stdout);
    expect(detail.series.map((s: { notAnalysedReason: string | null }) => s.notAnalysedReason)).toEqual([
      null,
      'localizer (scout) series',
    ]);
    expect(detail.series[0].analyses[0]).toMatchObject({ jobId: 'analysis-x', lane: 'clinical', status: 'queued' });
    expect(JSON.parse(mic('studies', 'show', '2.25.100', '--json').stdout).id).toBe(studyId);

    const missing = mic('studies', 'show', '424242');
    expect(missing.status).toBe(4);
    expect(missing.stderr.trim().split('\n')).toEqual(['mic: no study 424242 in the catalogue']);
  });

  it('reports an empty dead-letter queue and refuses a replay without ids', () => {
    const dlq = mic('jobs', 'dlq', '--json');
    expect(dlq.status).toBe(0);
    expect(JSON.parse(dlq.stdout)).toEqual([]);
    const replay = mic('jobs', 'replay');
    expect(replay.status).toBe(2);
    expect(replay.stderr).toMatch(/name the job ids/);
  });

  it('runs ingest with `mic serve ingest` until SIGTERM', async () => {
    await requireService('s3');
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'bin', 'mic.js'), 'serve', 'ingest'], {
      env: {
        ...env,
        MIC_INGEST_PORT: String(port),
        MIC_INGEST_START_AT: 'now',
        MIC_INGEST_SOURCE: config.ingest.source,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const ready = await waitFor('ingest readiness', 60_000, async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200 ? res.json() : undefined;
      });
      expect(ready).toMatchObject({ status: 'ready' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
