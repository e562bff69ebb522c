// Pipeline benchmark on the local stack, one study (default: the 255-slice RICORD CT), in one run:
// (1) storescu straight into Orthanc with nothing following its change feed (Orthanc's own storage rate);
// (2) the same files again with ingest and the worker following: ingest's rate (first -> last instance of the study:
//     pull, de-identify, S3, catalogue) against (1), and the latency from the last instance stored in Orthanc (its
//     last C-STORE response) to this run's SEG and SR in Orthanc, stage by stage (catalogue times, job progress).
// Run from the repository root after `npx tsc -b` and `npx mic stack up`:
//   node bench/pipeline.mjs [--series-dir <dir>] [--settle <s>] [--json]
// Ingest and the worker run in this process (analysis in a worker thread), in a catalogue schema, queue prefix and
// change-feed source of their own (dropped at the end); ingest takes the study as complete after --settle quiet
// seconds (default 5; Orthanc's own StableAge is 60 s). Another pipeline following the same Orthanc meanwhile adds
// load, and its studies are ingested here too: the output counts them. Prints Markdown for docs/benchmarks.md.
/* global fetch */
import { parseArgs } from 'node:util';
import { createCatalogPool, feedPosition, migrate } from '@mic/catalog';
import { loadConfig } from '@mic/config';
import { pseudonymUid } from '@mic/dicom';
import { startIngest } from '@mic/ingest';
import { analysisEvents, analysisQueue } from '@mic/queue';
import { startWorker } from '@mic/worker';
import {
  deleteStudy,
  pipelineConfig,
  derivedInOrthanc,
  readSeriesDir,
  resultsBack,
  storescu,
  waitUntil,
} from '../cli/dist/demo/pipeline.js';
import { freePort, RICORD_DIR } from './support.mjs';

const { values: opts } = parseArgs({
  options: {
    'series-dir': { type: 'string', default: RICORD_DIR },
    settle: { type: 'string', default: '5' },
    timeout: { type: 'string', default: '900' },
    json: { type: 'boolean', default: false },
  },
});
const settle = Number(opts.settle);
const series = readSeriesDir(opts['series-dir']);
const n = series.files.length;
const tag = `bench-pipeline-${process.pid}`;
const base = loadConfig();
const config = {
  ...pipelineConfig(base, tag, settle, { ingest: await freePort(), worker: await freePort() }),
  logLevel: 'warn',
};
const now = () => Date.now();
const s = (ms) => (ms / 1000).toFixed(1);

/** Sums of mic_stage_duration_seconds per stage from a service's /metrics. */
async function stageSums(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^mic_stage_duration_seconds_sum\{[^}]*stage="([^"]+)"[^}]*\} ([0-9.e+-]+)$/gm))
    out[m[1]] = Number(m[2]);
  return out;
}

// (1) Orthanc alone: the same files by C-STORE with nothing following the change feed.
await deleteStudy(config, series.studyUid);
let t = now();
await storescu(config, series, 'MIC_BENCH');
const orthancMs = now() - t;
await deleteStudy(config, series.studyUid);

// (2) The same files with ingest and the worker following.
const pool = createCatalogPool(config, { max: 2 });
await migrate(pool, config.catalog.schema);
const events = analysisEvents(config);
const progress = {};
events.on('progress', ({ jobId, data }) => {
  progress[jobId] ??= {};
  if (data?.stage && !progress[jobId][data.stage]) progress[jobId][data.stage] = now();
});
const handled = [];
const ingest = await startIngest(config, {
  onInstance: (e) => handled.push({ at: now(), outcome: e.outcome, study: e.sourceStudy }),
});
const worker = await startWorker(config);
await Promise.all([ingest.ready, worker.ready]);
const deadline = now() + Number(opts.timeout) * 1000;
await waitUntil('the change-feed position', deadline, () => feedPosition(pool, config.ingest.source));

t = now();
const { lastStoredAt: sent, stored, maxGapMs } = await storescu(config, series, 'MIC_BENCH');
if (stored !== n) throw new Error(`storescu stored ${stored} of ${n} files`);
const withIngestMs = now() - t;
const { studyId } = await derivedInOrthanc(config, series.studyUid);
const ours = () => handled.filter((e) => e.study === studyId);
await waitUntil('all instances ingested', deadline, async () => (ours().length >= n ? true : undefined));
const mine = await waitUntil('SEG and SR in Orthanc', deadline, () => resultsBack(pool, config, series.studyUid), 100);
const back = now();
// Studies other runs sent to the same Orthanc meanwhile are ingested and analysed here too: count them.
const others = (await pool.query('SELECT count(*) AS n FROM analyses WHERE job_id <> $1', [mine.jobId])).rows[0].n;
const { rows } = await pool.query(
  `SELECT a.job_id, a.revision, a.created_at, a.enqueued_at, a.started_at, a.finished_at,
     a.result->'report'->'timingsMs' AS timings,
     (SELECT max(w.sent_at) FROM writebacks w WHERE w.analysis_id = a.id) AS sent_at
   FROM analyses a JOIN series se ON se.id = a.series_id JOIN studies st ON st.id = se.study_id
   WHERE st.study_uid = $1 ORDER BY a.id DESC`,
  [pseudonymUid(config.ingest.societyKey, series.studyUid)],
);
// More than one analysis means the study was taken as complete before storescu ended (settle too short).
const a = rows[0];
const ingestStages = await stageSums(ingest.port);
const workerStages = await stageSums(worker.port);
await worker.stop();
await ingest.stop();
await events.close();
const queue = analysisQueue(config);
await queue.obliterate({ force: true });
await queue.close();
await pool.query(`DROP SCHEMA ${config.catalog.schema} CASCADE`);
await pool.end();
await deleteStudy(config, series.studyUid);

const first = ours()[0].at;
const last = ours()[n - 1].at;
const orthancRate = n / (orthancMs / 1000);
// Ingest's rate from its first to its last instance of the study (pull, de-identify, S3, catalogue, one at a time);
// it means ingest's own pace only when it started after the last store (otherwise arrivals pace it).
const ingestRate = (n - 1) / ((last - first) / 1000);
const rel = (d) => s(new Date(d).getTime() - sent);
const result = {
  instances: n,
  settleSeconds: settle,
  analyses: rows.length,
  otherAnalysesMeanwhile: Number(others),
  otherInstancesMeanwhile: handled.length - ours().length,
  orthancAlone: { seconds: orthancMs / 1000, perSecond: orthancRate },
  orthancWithIngestFollowing: { seconds: withIngestMs / 1000, perSecond: n / (withIngestMs / 1000), maxGapMs },
  ingest: { seconds: (last - first) / 1000, perSecond: ingestRate, startedAfterLastStore: first > sent },
  // time per instance of ingest against Orthanc's (negative: ingest is faster than Orthanc stores)
  overheadPercent: (orthancRate / ingestRate - 1) * 100,
  ingestStageSums: ingestStages,
  timeline: {
    lastStored: 0,
    storescuExit: s(t + withIngestMs - sent),
    firstInstanceIngested: rel(first),
    lastInstanceIngested: rel(last),
    analysisRow: rel(a.created_at),
    enqueued: rel(a.enqueued_at),
    picked: rel(a.started_at),
    ...Object.fromEntries(Object.entries(progress[a.job_id] ?? {}).map(([k, v]) => [`${k} starts`, rel(v)])),
    resultsStored: rel(a.finished_at),
    writeBackSent: rel(a.sent_at),
    segAndSrInOrthanc: rel(back),
  },
  analysisTimingsMs: a.timings,
  workerStageSums: workerStages,
};
if (opts.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `| files | Orthanc alone | Orthanc, ingest following | ingest, first -> last instance | overhead vs Orthanc alone |`,
  );
  console.log(`|---|---|---|---|---|`);
  console.log(
    `| ${n} | ${s(orthancMs)} s, ${orthancRate.toFixed(1)}/s | ${s(withIngestMs)} s, ` +
      `${result.orthancWithIngestFollowing.perSecond.toFixed(1)}/s (longest pause ${s(maxGapMs)} s) | ` +
      `${s(last - first)} s, ${ingestRate.toFixed(1)}/s${first > sent ? '' : ' (began before the last store)'} | ` +
      `${result.overheadPercent.toFixed(0)} % |`,
  );
  if (result.otherInstancesMeanwhile)
    console.log(`\n${result.otherInstancesMeanwhile} instances of other runs' studies were ingested meanwhile`);
  if (Number(others)) console.log(`\n${others} other analyses ran in this worker meanwhile (other runs' studies)`);
  if (rows.length > 1) console.log(`\n**${rows.length} analyses (revisions)**: the study settled mid-transfer`);
  console.log(`\n| from the last instance stored in Orthanc (s) | |\n|---|---|`);
  for (const [k, v] of Object.entries(result.timeline)) console.log(`| ${k} | ${v} |`);
  const fmt = (o, scale = 1) =>
    Object.entries(o ?? {})
      .map(([k, v]) => `${k} ${(v / scale).toFixed(1)}`)
      .join(', ');
  console.log(`\nanalysis thread (s): ${fmt(a.timings, 1000)}`);
  console.log(`ingest stage sums, all studies (s): ${fmt(ingestStages)}`);
  console.log(`worker stage sums, all jobs (s): ${fmt(workerStages)}`);
}
process.exit(0);
