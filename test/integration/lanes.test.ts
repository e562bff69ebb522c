import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createCatalogPool, migrate, savePage, type Pool } from '@mic/catalog';
import { startIngest, type IngestService } from '@mic/ingest';
import { analysisQueue, analysisWorker, type AnalysisJob, type Lane } from '@mic/queue';
import type { Queue, Worker } from 'bullmq';
import { PrivateServers } from '../e2e/support/servers.js';
import { freshCopies } from '../e2e/support/worker.js';
import { requireService } from './support/stack.js';
import { isolatedConfig, lidcFiles, orthancLastSeq, read, stow, storescu, waitFor } from './support/ingest.js';

jest.setTimeout(240_000);

// An Orthanc of this test only: a study another test left in the shared one gets its StableStudy late, would be
// ingested here as a clinical study and could take the place of the one under test.
const base = await isolatedConfig();
const servers = await PrivateServers.create(base);
const config = { ...base, orthanc: servers.config.orthanc };

// Copies with UIDs of their own: other tests send the same LIDC files to the shared Orthanc.
const history = freshCopies(lidcFiles('LIDC-IDRI-0003'));
const upload = freshCopies(lidcFiles('LIDC-IDRI-0002'));
const live = freshCopies(lidcFiles('LIDC-IDRI-0001'));

describe('lanes follow the source', () => {
  let pool: Pool;
  let queue: Queue<AnalysisJob>;
  let ingest: IngestService | undefined;
  let worker: Worker<AnalysisJob> | undefined;

  /** The lane of the one analysis of each study (by catalogue study id), once queued. */
  async function lanes(): Promise<Map<number, Lane>> {
    const { rows } = await pool.query(
      `SELECT s.study_id, a.lane FROM analyses a JOIN series s ON s.id = a.series_id WHERE a.enqueued_at IS NOT NULL`,
    );
    return new Map(rows.map((r) => [Number(r.study_id), r.lane as Lane]));
  }

  beforeAll(async () => {
    for (const s of ['postgres', 'redis', 'keycloak'] as const) await requireService(s);
    await servers.start(['orthanc']);
    pool = createCatalogPool(config);
    await migrate(pool, config.catalog.schema);
    queue = analysisQueue(config);
    queue.on('error', () => undefined);
  });

  afterAll(async () => {
    await worker?.close();
    await ingest?.stop();
    await servers.destroy();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
  });

  it('backfill and STOW-RS uploads go to the research lane, PACS auto-analysis to the clinical lane, which runs first', async () => {
    // A study the PACS held before ingest first started: its changes lie at or before the backfill boundary.
    const before = await orthancLastSeq(config);
    await storescu(config, history);
    await savePage(pool, config.ingest.source, before, [], await orthancLastSeq(config));

    ingest = await startIngest(config);
    await ingest.ready;
    const researchQueued = await waitFor('the backfill study queued', 120_000, async () => {
      const l = await lanes();
      return l.size === 1 ? l : undefined;
    });
    expect([...researchQueued.values()]).toEqual(['research']);

    const res = await stow(ingest.port, upload.map(read));
    expect(res.status).toBe(200);
    expect((await stow(ingest.port, [read(upload[0])], { query: '?lane=clinical' })).body.error as unknown).toMatch(
      /STOW-RS uploads go to the research lane/,
    );

    // A study arriving now, after both research jobs: the clinical lane.
    await storescu(config, live);
    const all = await waitFor('three studies queued', 120_000, async () => {
      const l = await lanes();
      return l.size === 3 ? l : undefined;
    });
    const clinical = [...all].filter(([, lane]) => lane === 'clinical').map(([id]) => id);
    expect(clinical).toHaveLength(1);
    expect([...all.values()].filter((l) => l === 'research')).toHaveLength(2);
    // the lane is in the job as well, and the clinical job was the last one queued
    const jobs = await queue.getJobs(['prioritized', 'waiting']);
    expect(jobs.map((j) => [j.data.studyId, j.data.lane]).sort()).toEqual([...all.entries()].sort());
    const newest = jobs.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    expect(newest.data.studyId).toBe(clinical[0]);

    // One worker taking jobs one at a time runs the clinical job before the research jobs queued earlier.
    const order: number[] = [];
    worker = analysisWorker(config, async (job) => void order.push(job.studyId), { concurrency: 1 });
    await waitFor('the three jobs run', 60_000, async () => (order.length === 3 ? true : undefined));
    expect(order[0]).toBe(clinical[0]);
  });
});
