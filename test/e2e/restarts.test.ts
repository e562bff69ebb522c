import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createCatalogPool, migrate, type Pool } from '@mic/catalog';
import { pseudonymUid } from '@mic/dicom';
import type { IngestService } from '@mic/ingest';
import { analysisQueue, type AnalysisJob } from '@mic/queue';
import { createS3Client } from '@mic/storage';
import type { Queue } from 'bullmq';
import { dataPath } from '../support/data.js';
import { requireService } from '../integration/support/stack.js';
import { dcmValue, freePort, isolatedConfig, orthanc, storescu, waitFor } from '../integration/support/ingest.js';
import { PrivateServers } from './support/servers.js';
import { freshCopies, startPipeline, type WorkerProcess } from './support/worker.js';

jest.setTimeout(300_000);

// Redis, Orthanc and S3 of this test only, so they can be stopped and started again without disturbing other tests.
const servers = await PrivateServers.create(
  await isolatedConfig({
    // one COVID-19 slice is the study: a short analysis; a study counts as complete after 3 quiet seconds
    ingest: { minSlices: 1, settleSeconds: 3, retryMaxMs: 4000 },
    queue: { backoffMs: 500 },
    worker: { port: await freePort(), lockDurationMs: 4000, stalledIntervalMs: 2000, retryUnreachableMs: 120_000 },
  }),
);
const config = servers.config;
const s3 = createS3Client(config);
const [file] = freshCopies([dataPath('covid-ny-sbu-slices', 'A046441', 'axial', '19010101-23.dcm')]);
const studyUid = dcmValue(file, '0020,000d');

describe('restarting Redis, Orthanc and S3 during a run', () => {
  let pool: Pool;
  let queue: Queue<AnalysisJob>;
  let ingest: IngestService | undefined;
  let worker: WorkerProcess | undefined;
  const rows = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows;
  const analysisOf = async (status: string) => {
    const [a] = await rows(
      `SELECT a.* FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
       WHERE st.study_uid = $1 AND a.status = $2`,
      [pseudonymUid(config.ingest.societyKey, studyUid), status],
    );
    return a;
  };

  beforeAll(async () => {
    await requireService('postgres');
    await servers.start(['redis', 'orthanc', 's3']);
    pool = createCatalogPool(config);
    await migrate(pool, config.catalog.schema);
    queue = analysisQueue(config);
    queue.on('error', () => undefined);
    ({ ingest, worker } = await startPipeline(config, pool));
  });

  afterAll(async () => {
    await worker?.stop();
    await ingest?.stop();
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
    await servers.destroy();
  });

  it('resumes by itself and ends with one analysis and one SEG and SR in the original study', async () => {
    await storescu(config, [file]);
    // Orthanc stops before ingest pulls the study (it waits for 3 quiet seconds) and comes back on its own data.
    await servers.stop(['orthanc']);
    await servers.start(['orthanc']);

    // All three stop while the job runs: the worker still has to store its results (S3), send SEG and SR (Orthanc)
    // and report the job done (Redis).
    await waitFor('the job running', 120_000, () => analysisOf('running'));
    await servers.stop(['redis', 's3', 'orthanc']);
    await waitFor('the worker to meet the outage', 60_000, async () =>
      worker!.logs.some((l) => /not reachable|ECONNREFUSED|Connection is closed/.test(l)) ? true : undefined,
    );
    await servers.start(['redis', 's3', 'orthanc']);

    const a = await waitFor('the analysis done and written back', 180_000, async () => {
      const done = await analysisOf('done');
      const sent =
        done && (await rows(`SELECT 1 FROM writebacks WHERE analysis_id = $1 AND status = 'sent'`, [done.id]));
      return sent?.length === 2 ? done : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; worker: ${worker!.logs.slice(-15).join('\n')}`);
    });
    expect(await rows('SELECT id FROM analyses WHERE series_id = $1', [a.series_id])).toHaveLength(1);
    // the instances and the results survived the restart of the store
    const artifacts = await rows('SELECT object_key FROM artifacts WHERE analysis_id = $1', [a.id]);
    expect(artifacts.length).toBeGreaterThanOrEqual(5);
    for (const { object_key } of artifacts) await s3.statObject(config.s3.bucket, object_key as string);
    // one SEG and one SR in the original study of the restarted Orthanc
    const [study] = (await orthanc(config, '/tools/lookup', { method: 'POST', body: studyUid })) as { ID: string }[];
    const series = (await orthanc(config, `/studies/${study.ID}/series`)) as {
      MainDicomTags: { Modality: string };
      Instances: string[];
    }[];
    const count = (m: string) => series.filter((s) => s.MainDicomTags.Modality === m).flatMap((s) => s.Instances);
    expect([count('SEG').length, count('SR').length]).toEqual([1, 1]);
    // the queue, restarted on its own data, ends with the job completed
    await waitFor('the job completed in the restarted Redis', 60_000, async () => {
      const j = await queue.getJob(a.job_id as string);
      return j && (await j.getState()) === 'completed' ? true : undefined;
    });
  });
});
