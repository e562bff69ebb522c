// STOW-RS benchmark on the local stack, side by side with Orthanc's own STOW-RS (its DICOMweb plugin) in one run:
// the same series (default: the 255-slice RICORD CT) POSTed as one multipart request, as `mic edge` sends a series.
// mic's ingest de-identifies each part, stores it in S3 and the catalogue, then finalizes the study and queues its
// analysis before it answers; Orthanc stores the parts in its own storage and index.
// Run from the repository root after `npx tsc -b` and `npx mic stack up`:
//   node bench/stow.mjs [--series-dir <dir>] [--runs 3] [--json]
// Ingest runs in this process, in a catalogue schema and queue prefix of its own (dropped at the end).
/* global fetch, URLSearchParams, performance */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { realmEndpoints, issuerUrl } from '@mic/auth';
import { createCatalogPool, migrate } from '@mic/catalog';
import { loadConfig } from '@mic/config';
import { startIngest } from '@mic/ingest';
import { orthancAuthHeader, orthancUrl, stowBody } from '@mic/pacs';
import { analysisQueue } from '@mic/queue';
import { deleteStudy, pipelineConfig, readSeriesDir } from '../cli/dist/demo/pipeline.js';
import { freePort, RICORD_DIR } from './support.mjs';

const { values: opts } = parseArgs({
  options: {
    'series-dir': { type: 'string', default: RICORD_DIR },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const series = readSeriesDir(opts['series-dir']);
const parts = series.files.map((f) => new Uint8Array(readFileSync(f)));
const n = parts.length;
const mb = parts.reduce((s, p) => s + p.length, 0) / 1e6;

const base = loadConfig();
const tag = `bench-stow-${process.pid}`;
const config = {
  ...pipelineConfig(base, tag, 5, { ingest: await freePort(), worker: await freePort() }),
  logLevel: 'warn',
};

async function token() {
  const res = await fetch(realmEndpoints(issuerUrl(config)).token, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'mic-cli',
      username: 'member-a',
      password: 'member-a-local-pw',
    }),
  });
  return (await res.json()).access_token;
}

/** One STOW-RS request of the whole series; seconds until the answer. */
async function post(url, headers) {
  const { body, contentType } = stowBody(parts);
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
  const text = await res.text();
  const seconds = (performance.now() - t) / 1000;
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return seconds;
}

const pool = createCatalogPool(config, { max: 2 });
await migrate(pool, config.catalog.schema);
const rows = [];
for (let run = 1; run <= Number(opts.runs); run++) {
  await deleteStudy(base, series.studyUid);
  const orthanc = await post(`${orthancUrl(base)}/dicom-web/studies`, { authorization: orthancAuthHeader(base) });
  await deleteStudy(base, series.studyUid);
  // a fresh catalogue (and ingest) each run: every part is new to mic, as every part was new to Orthanc
  if (run > 1) await pool.query(`TRUNCATE ${config.catalog.schema}.studies, ${config.catalog.schema}.patients CASCADE`);
  const ingest = await startIngest(config);
  await ingest.ready;
  const mic = await post(`http://127.0.0.1:${ingest.port}/dicomweb/studies`, {
    authorization: `Bearer ${await token()}`,
  });
  // the same request again: every part is a duplicate (a re-sent series)
  const again = await post(`http://127.0.0.1:${ingest.port}/dicomweb/studies`, {
    authorization: `Bearer ${await token()}`,
  });
  await ingest.stop();
  rows.push({ run, orthanc, mic, again });
}
const queue = analysisQueue(config);
await queue.obliterate({ force: true });
await queue.close();
await pool.query(`DROP SCHEMA ${config.catalog.schema} CASCADE`);
await pool.end();

const rate = (s) => `${s.toFixed(2)} s, ${(n / s).toFixed(0)}/s, ${(mb / s).toFixed(1)} MB/s`;
if (opts.json) console.log(JSON.stringify({ instances: n, megabytes: mb, rows }, null, 2));
else {
  console.log(`${n} instances, ${mb.toFixed(1)} MB, one request each\n`);
  console.log(
    '| run | Orthanc STOW-RS | mic STOW-RS (de-identify, S3, catalogue, queue) | mic, the same again (duplicates) |',
  );
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.run} | ${rate(r.orthanc)} | ${rate(r.mic)} | ${rate(r.again)} |`);
}
process.exit(0);
