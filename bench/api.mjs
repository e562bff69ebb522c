// Query API throughput and latency on the local stack, side by side in one run with Orthanc's QIDO-RS (the
// DICOMweb study search a cloud DICOM store answers) under the same client and concurrency.
// Run from the repository root after `npx tsc -b`, `npx mic stack up` and one `scripts/main.sh` (its report.json
// is the analysis every seeded study carries):
//   node bench/api.mjs [--studies 500] [--per-patient 1] [--seconds 10] [--concurrency 1,4,16,64]
//     [--report out/demo/report.json]
// --per-patient 2 gives each patient two CTs a week apart, so every list row carries its change since the one before.
// The API runs as its own process (`mic serve api`, as in its container) over a catalogue schema of its own
// (dropped at the end); the load comes from this process, on the same machine. Prints Markdown for
// docs/benchmarks.md.
/* global fetch, URLSearchParams, setTimeout, performance */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createCatalogPool, finishAnalysis, migrate, recordAnalysis, upsertSeries, upsertStudy } from '@mic/catalog';
import { loadConfig } from '@mic/config';

const { values: opts } = parseArgs({
  options: {
    studies: { type: 'string', default: '500' },
    'per-patient': { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1,4,16,64' },
    report: { type: 'string', default: 'out/demo/report.json' },
    port: { type: 'string', default: '18390' },
  },
});
if (!existsSync(opts.report)) {
  console.error(`bench/api: ${opts.report} not found; run scripts/main.sh once (it writes the demo's report.json)`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(opts.report, 'utf8'));
const seconds = Number(opts.seconds);
const levels = opts.concurrency.split(',').map(Number);
const tag = randomBytes(4).toString('hex');
const schema = `bench_api_${tag}`;
const config = loadConfig({ overrides: { catalog: { schema }, api: { port: Number(opts.port) } } });
const base = `http://127.0.0.1:${config.api.port}`;

async function token() {
  const url = `http://${config.keycloak.host}:${config.keycloak.port}/realms/${config.keycloak.realm}/protocol/openid-connect/token`;
  const form = {
    grant_type: 'password',
    client_id: 'mic-cli',
    username: 'researcher',
    password: 'researcher-local-pw',
  };
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form) });
  if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

// Seed: a patient per --per-patient studies (a week apart), each with a series and a finished analysis carrying
// the real report.
const pool = createCatalogPool(config);
await migrate(pool, schema);
const analysisIds = [];
const n = Number(opts.studies);
const perPatient = Number(opts['per-patient']);
for (let i = 0; i < n; i++) {
  const patient = Math.floor(i / perPatient);
  const study = await upsertStudy(pool, {
    society: patient % 3 === 0 ? 'B' : 'A',
    patientPseudonym: `BENCH-${tag}-${patient}`,
    studyUid: `2.25.${Date.now()}${i}`,
    source: 'stow',
    studyDate: `202003${String(10 + 7 * (i % perPatient)).padStart(2, '0')}`,
    description: 'CT chest',
  });
  const seriesId = await upsertSeries(pool, {
    studyId: study.id,
    seriesUid: `2.25.9${Date.now()}${i}`,
    modality: 'CT',
    description: 'bench',
  });
  const a = await recordAnalysis(pool, {
    seriesId,
    analysisVersion: '1',
    revision: 1,
    jobId: `bench-${tag}-${i}`,
    lane: 'research',
  });
  await finishAnalysis(pool, a.id, { report }, { analysis: '1' });
  analysisIds.push(a.id);
}
// Planner statistics as autovacuum would leave them on a live catalogue (fresh tables have none).
await pool.query(`ANALYZE ${schema}.studies, ${schema}.patients, ${schema}.series, ${schema}.analyses`);

const server = spawn(process.execPath, ['bin/mic.js', 'serve', 'api'], {
  env: {
    ...process.env,
    MIC_CATALOG_SCHEMA: schema,
    MIC_API_PORT: String(config.api.port),
    MIC_LOG_LEVEL: 'warn',
    // One bench user at full speed: the per-user limit would measure itself, not the service.
    MIC_API_RATE_LIMIT_PER_SECOND: '0',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 120) throw new Error('api did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
  const orthancAuth = `Basic ${Buffer.from(`${config.orthanc.username}:${config.orthanc.password}`).toString('base64')}`;
  const orthancStudies = await fetch(
    `http://${config.orthanc.host}:${config.orthanc.httpPort}/dicom-web/studies?limit=50`,
    { headers: { authorization: orthancAuth } },
  ).then((r) => r.json());

  /** Closed loop: `c` clients, each sending its next request when the last answered. */
  async function load(name, c, next) {
    const headers = name.startsWith('orthanc')
      ? { authorization: orthancAuth }
      : { authorization: `Bearer ${await token()}` };
    const latencies = [];
    let errors = 0;
    const warmEnd = Date.now() + 1000;
    const end = warmEnd + seconds * 1000;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (Date.now() < end) {
          const t = performance.now();
          const res = await fetch(next(), { headers }).catch(() => undefined);
          if (res) await res.arrayBuffer();
          const ms = performance.now() - t;
          if (Date.now() < warmEnd) continue;
          if (!res || res.status !== 200) errors++;
          latencies.push(ms);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    return { name, c, rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99), errors };
  }

  let k = 0;
  const cases = [
    ['api: GET /api/v1/studies?limit=50', () => `${base}/api/v1/studies?limit=50`],
    ['api: GET /api/v1/analyses/{id}', () => `${base}/api/v1/analyses/${analysisIds[k++ % analysisIds.length]}`],
    [
      'orthanc: GET /dicom-web/studies?limit=50',
      () => `http://${config.orthanc.host}:${config.orthanc.httpPort}/dicom-web/studies?limit=50`,
    ],
  ];
  const rows = [];
  for (const [name, next] of cases) for (const c of levels) rows.push(await load(name, c, next));

  console.log(
    `\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${n} studies in the catalogue ` +
      `(every one with a finished analysis), ${orthancStudies.length} studies in Orthanc; ${seconds} s per row after ` +
      `1 s of warm-up; client and servers on the same machine.\n`,
  );
  console.log('| endpoint | clients | req/s | p50 ms | p99 ms | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.c} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`,
    );
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}
