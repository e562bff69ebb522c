import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { startApi } from '@mic/api';
import { createCatalogPool, feedPosition, migrate, type Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import { startIngest, type IngestService } from '@mic/ingest';
import { analysisEvents, analysisQueue } from '@mic/queue';
import { startWorker, type WorkerService } from '@mic/worker';
import { configFor } from '../context.js';
import {
  AnalysisFailed,
  deleteStudy,
  derivedInOrthanc,
  pipelineConfig,
  readSeriesDir,
  resultsBack,
  storescu,
  waitUntil,
  type SeriesOnDisk,
} from '../demo/pipeline.js';
import { downloadResults, resultLines, type AnalysisSummary } from '../demo/results.js';
import { CliError } from '../errors.js';
import { stackUp } from './stack.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = process.env.MIC_DATA_DIR ?? resolve(REPO, '..', 'shared', 'data');
const DEFAULT_SERIES = resolve(DATA, 'ricord-1a-419639-000082', 'dicom');
/** The demo's own catalogue schema, queue prefix and change-feed source: reset at each run. */
const TAG = 'mic-demo';

const say = (line: string) => process.stdout.write(`${line}\n`);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Empties the demo's schema and queue so an earlier run's study, jobs and feed position do not count. */
async function resetDemoState(config: Config, pool: Pool): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
  await migrate(pool, config.catalog.schema);
  const queue = analysisQueue(config);
  queue.on('error', () => undefined);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}

/** Serves the demo's catalogue through the query API and viewer on the configured port until SIGINT/SIGTERM. */
async function serveViewer(base: Config, config: Config, studyId: number): Promise<void> {
  say(`== query API and viewer (the stack's Keycloak signs in)`);
  await stackUp(base, ['keycloak'], 300);
  const api = await startApi({ ...config, api: base.api });
  await api.ready;
  say(`   viewer: http://127.0.0.1:${api.port}/#/studies/${studyId} (sign in as researcher / researcher-local-pw)`);
  say(`   API:    http://127.0.0.1:${api.port}/api/v1/studies/${studyId} (OpenAPI at /openapi.json); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.stop();
}

async function runDemo(
  base: Config,
  series: SeriesOnDisk,
  opts: { timeoutS: number; settleS: number; out: string; serve: boolean },
) {
  const { timeoutS, settleS, out } = opts;
  say(`== local stack (redis, postgres, orthanc, s3)`);
  await stackUp(base, ['redis', 'postgres', 'orthanc', 's3'], 300);
  const config: Config = {
    ...pipelineConfig(base, TAG, settleS, { ingest: await freePort(), worker: await freePort() }),
    logLevel: base.logLevel === 'info' ? 'warn' : base.logLevel,
  };
  const pool = createCatalogPool(config, { max: 2 });
  pool.on('error', () => undefined);
  const events = analysisEvents(config);
  events.on('error', () => undefined);
  let ingest: IngestService | undefined;
  let worker: WorkerService | undefined;
  let catalogStudy = 0;
  try {
    await resetDemoState(config, pool);
    if (await deleteStudy(config, series.studyUid)) say(`removed the earlier copy of the study from Orthanc`);
    say(`== ingest and worker (catalogue schema ${config.catalog.schema}, queue prefix ${config.queue.prefix})`);
    const handled: { study?: string; stored: boolean }[] = [];
    ingest = await startIngest(config, {
      onInstance: (e) => handled.push({ study: e.sourceStudy, stored: e.outcome === 'stored' }),
    });
    worker = await startWorker(config);
    await Promise.all([ingest.ready, worker.ready]);
    const deadline = Date.now() + timeoutS * 1000;
    await waitUntil('ingest to read the change feed', deadline, () => feedPosition(pool, config.ingest.source));
    events.on('progress', ({ data }) => {
      const p = data as { stage?: string; percent?: number };
      if (p.stage) say(`   analysis: ${p.stage} (${p.percent ?? 0} %)`);
    });

    const t0 = Date.now();
    const { aeTitle, host, dicomPort } = config.orthanc;
    say(`== C-STORE ${series.files.length} files from ${series.dir} to ${aeTitle}@${host}:${dicomPort}`);
    await storescu(config, series);
    const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
    say(`   sent in ${secs()} s; ingest takes the study as complete after ${settleS} quiet seconds`);
    const { studyId } = await derivedInOrthanc(config, series.studyUid);
    const ours = () => handled.filter((h) => h.study === studyId);
    await waitUntil('the study to be ingested', deadline, async () =>
      ours().length >= series.files.length ? true : undefined,
    );
    const stored = ours().filter((h) => h.stored).length;
    say(`   ${stored} of ${ours().length} instances de-identified and stored (${secs()} s)`);
    const back = await waitUntil(
      'the SEG and SR in Orthanc',
      deadline,
      () => resultsBack(pool, config, series.studyUid),
      500,
    ).catch((err: Error) => {
      throw new CliError(`demo: ${err.message}${err instanceof AnalysisFailed ? '' : ` within ${timeoutS} s`}`, 5);
    });
    const inOrthanc = await derivedInOrthanc(config, series.studyUid);
    say(`== SEG and SR back in Orthanc study ${inOrthanc.studyId} after ${secs()} s`);
    const summary = back.result as AnalysisSummary;
    for (const line of resultLines(summary.report)) say(`   ${line}`);
    say(`== artifacts in s3://${config.s3.bucket}/ (de-identified)`);
    for (const [name, key] of Object.entries(summary.artifacts)) say(`   ${name.padEnd(15)} ${key}`);
    const { written, notes } = await downloadResults(config, summary, out);
    say(`== downloaded to ${out}: ${written.join(', ')}`);
    for (const n of notes) say(`   ${n}`);
    say(`   pictures: ${resolve(out, 'axial.png')}, ${resolve(out, 'coronal.png')}`);
    say(
      `   in Orthanc: http://${config.orthanc.host}:${config.orthanc.httpPort}/app/explorer.html#study?uuid=${inOrthanc.studyId}`,
    );
    catalogStudy = back.studyId;
  } finally {
    await worker?.stop().catch(() => undefined);
    await ingest?.stop().catch(() => undefined);
    await events.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    say(`ingest and worker stopped; the local stack keeps running (stop it with \`npx mic stack down\`)`);
  }
  if (opts.serve) return serveViewer(base, config, catalogStudy);
  say(
    `   in the viewer: \`npx mic demo --serve\`, or \`npx mic stack up && MIC_CATALOG_SCHEMA=${config.catalog.schema} ` +
      `npx mic serve api\`, then http://127.0.0.1:${base.api.port}/#/studies/${catalogStudy}`,
  );
}

interface DemoOptions {
  seriesDir: string;
  timeout: string;
  settle: string;
  out: string;
  serve?: boolean;
}

// `mic demo`: the whole pipeline on one study, from C-STORE to SEG/SR back in Orthanc.
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('send a chest CT to the local Orthanc and follow it through ingest and the worker to SEG + SR')
    .option('--series-dir <dir>', 'DICOM files of one study', DEFAULT_SERIES)
    .option('--timeout <seconds>', 'how long to wait for the results once the files are sent', '900')
    .option('--settle <seconds>', 'quiet seconds after the last instance before the study counts as complete', '5')
    .option('--out <dir>', 'where the report, label maps, SEG/SR and pictures are downloaded', 'out/demo')
    .option('--serve', 'then serve the results in the query API and web viewer until Ctrl-C')
    .action(async (opts: DemoOptions, cmd: Command) => {
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new CliError('--timeout must be a positive number', 2);
      const settleS = Number(opts.settle);
      if (!Number.isFinite(settleS) || settleS <= 0) throw new CliError('--settle must be a positive number', 2);
      let series: SeriesOnDisk;
      try {
        series = readSeriesDir(opts.seriesDir);
      } catch (err) {
        throw new CliError(`demo: ${(err as Error).message}`, 2);
      }
      await runDemo(configFor(cmd), series, { timeoutS, settleS, out: opts.out, serve: opts.serve === true });
    });
}
