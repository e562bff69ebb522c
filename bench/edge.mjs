// Edge benchmark on the local stack, one study (default: the 255-slice RICORD CT): the outbound-only path, from the
// last instance stored in the hospital's Orthanc to its SEG and SR back in that Orthanc, built there by `mic edge`.
// The platform (ingest, worker, API) cannot reach the hospital's Orthanc; the edge uploads over STOW-RS once the
// study has been quiet for --settle s by Orthanc's clock, follows the series in the API and builds the SEG and SR.
// Run from the repository root after `npx tsc -b` and `npx mic stack up`:
//   node bench/edge.mjs [--series-dir <dir>] [--settle <s>] [--json]
// Everything runs in this process on the same cores (the edge would have a machine of its own at a hospital), in a
// catalogue schema and queue prefix of its own (dropped at the end). Compare with bench/pipeline.mjs, the direct path.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startApi } from '@mic/api';
import { internalIssuerUrl } from '@mic/auth';
import { createCatalogPool, migrate } from '@mic/catalog';
import { loadConfig } from '@mic/config';
import { startIngest } from '@mic/ingest';
import { orthancJson } from '@mic/pacs';
import { analysisQueue } from '@mic/queue';
import { startWorker } from '@mic/worker';
import { Edge, writeState } from '../cli/dist/edge/edge.js';
import { deleteStudy, derivedInOrthanc, pipelineConfig, readSeriesDir, storescu } from '../cli/dist/demo/pipeline.js';
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
const now = () => Date.now();
const s = (ms) => (ms / 1000).toFixed(1);

const hospital = loadConfig();
const tag = `bench-edge-${process.pid}`;
const base = pipelineConfig(hospital, tag, settle, { ingest: await freePort(), worker: await freePort() });
const platform = {
  ...base,
  logLevel: 'fatal', // its ingest cannot reach any Orthanc, by design: no feed errors in the output
  orthanc: { ...base.orthanc, httpPort: await freePort() },
  ingest: { ...base.ingest, uploadClient: 'mic-pacs' },
  api: { ...base.api, port: await freePort() },
};

const pool = createCatalogPool(platform, { max: 2 });
await migrate(pool, platform.catalog.schema);
const ingest = await startIngest(platform);
const worker = await startWorker(platform);
const api = await startApi(platform);
await Promise.all([ingest.ready, worker.ready, api.ready]);

await deleteStudy(hospital, series.studyUid);
const state = join(mkdtempSync(join(tmpdir(), 'mic-bench-edge-')), 'state.json');
writeState(state, { since: (await orthancJson(hospital, '/changes?last')).Last, pending: {}, sent: {}, done: [] });
const said = [];
const edge = new Edge(hospital, {
  stowUrl: `http://127.0.0.1:${ingest.port}/dicomweb`,
  tokenUrl: `${internalIssuerUrl(hospital)}/protocol/openid-connect/token`,
  clientId: 'mic-pacs',
  clientSecret: process.env.MIC_EDGE_CLIENT_SECRET ?? 'mic-pacs-local-secret',
  stateFile: state,
  bytesPerSecond: 0,
  settleSeconds: settle,
  lane: 'research',
  results: { apiUrl: `http://127.0.0.1:${api.port}`, waitMs: 3_600_000, everyMs: 500 },
  say: (line) => said.push({ at: now(), line }),
});

const { lastStoredAt: sent, stored } = await storescu(hospital, series, 'MIC_BENCH');
if (stored !== n) throw new Error(`storescu stored ${stored} of ${n} files`);
const deadline = now() + Number(opts.timeout) * 1000;
let uploadStart;
let uploaded;
let returnRound;
let back;
while (!back) {
  if (now() > deadline) throw new Error(`no result within ${opts.timeout} s: ${said.map((x) => x.line).join(' | ')}`);
  const t = now();
  const r = await edge.round();
  if (r.studiesDone && !uploaded) [uploadStart, uploaded] = [t, now()];
  if (r.resultsStored) [returnRound, back] = [now() - t, now()];
  else await sleep(250);
}
const { rows } = await pool.query(
  `SELECT a.created_at, a.enqueued_at, a.started_at, a.finished_at FROM analyses a ORDER BY a.id DESC LIMIT 1`,
);
const a = rows[0];
const inOrthanc = await derivedInOrthanc(hospital, series.studyUid);

await api.stop();
await worker.stop();
await ingest.stop();
const queue = analysisQueue(platform);
await queue.obliterate({ force: true });
await queue.close();
await pool.query(`DROP SCHEMA ${platform.catalog.schema} CASCADE`);
await pool.end();
await deleteStudy(hospital, series.studyUid);

const rel = (d) => s(new Date(d).getTime() - sent);
const result = {
  instances: n,
  settleSeconds: settle,
  segAndSrAtHospital: { seg: inOrthanc.seg.length, sr: inOrthanc.sr.length },
  timeline: {
    lastStored: 0,
    uploadStarts: s(uploadStart - sent),
    uploadDone: s(uploaded - sent),
    analysisQueued: rel(a.enqueued_at),
    analysisStarted: rel(a.started_at),
    analysisDone: rel(a.finished_at),
    segAndSrStoredByEdge: s(back - sent),
  },
  edgeReturnRoundSeconds: returnRound / 1000,
  said: said.map((x) => `${s(x.at - sent)} s ${x.line}`),
};
if (opts.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`| from the last instance stored in the hospital's Orthanc (s) | |\n|---|---|`);
  for (const [k, v] of Object.entries(result.timeline)) console.log(`| ${k} | ${v} |`);
  console.log(`\nthe edge's return round (ask, download, read the originals, build, store): ${s(returnRound)} s`);
  console.log(`SEG/SR in the hospital's Orthanc: ${inOrthanc.seg.length}/${inOrthanc.sr.length}`);
  for (const x of result.said) console.log(`- ${x}`);
}
process.exit(0);
