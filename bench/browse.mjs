// The catalogue's study list and finding statistics at national scale: seeds a catalogue schema of its own with N
// studies (each one series and one finished analysis carrying the RICORD demo's real report.json, RSNA categories
// spread as in a screening cohort) straight in SQL, then times the queries the API runs for the list (first page,
// a deep page, filtered by RSNA category) and for the statistics, then the course of one patient and the export of
// every follow-up (each patient holds two studies). No HTTP: bench/api.mjs measures the API itself.
// Run from the repository root after `npx tsc -b`, `npx mic stack up` and one `scripts/main.sh`:
//   node bench/browse.mjs [--studies 100000] [--repeat 15] [--report out/demo/report.json] [--keep]
/* global performance */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compareReadings, readingOf } from '@mic/analysis';
import { browseStudies, createCatalogPool, findingStats, migrate, patientCourses, patientStudies } from '@mic/catalog';
import { loadConfig } from '@mic/config';

const { values: opts } = parseArgs({
  options: {
    studies: { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '15' },
    report: { type: 'string', default: 'out/demo/report.json' },
    keep: { type: 'boolean', default: false },
  },
});
if (!existsSync(opts.report)) {
  console.error(`bench/browse: ${opts.report} not found; run scripts/main.sh once (it writes the demo's report.json)`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(opts.report, 'utf8'));
const n = Number(opts.studies);
const schema = `bench_browse_${randomBytes(4).toString('hex')}`;
const config = loadConfig({ overrides: { catalog: { schema } } });
const pool = createCatalogPool(config, { max: 2 });

async function seed() {
  await migrate(pool, schema);
  await pool.query(`INSERT INTO societies (id) VALUES ('A'), ('B')`);
  await pool.query(
    `INSERT INTO patients (society_id, pseudonym)
     SELECT CASE WHEN g % 4 = 0 THEN 'B' ELSE 'A' END, 'P' || g FROM generate_series(1, $1) g`,
    [Math.ceil(n / 2)],
  );
  await pool.query(
    `INSERT INTO studies (society_id, patient_id, study_uid, source, study_date)
     SELECT p.society_id, p.id, '2.25.' || g, 'stow', '2021' FROM generate_series(1, $1) g
     JOIN patients p ON p.id = 1 + (g - 1) / 2`,
    [n],
  );
  await pool.query(
    `INSERT INTO series (study_id, series_uid, modality, selected) SELECT id, study_uid || '.1', 'CT', true FROM studies`,
  );
  // typical 40 %, indeterminate 25 %, atypical 10 %, negative 25 %; every tenth study analysed twice (an amendment)
  await pool.query(
    `INSERT INTO analyses (series_id, analysis_version, revision, job_id, lane, status, result, finished_at)
     SELECT s.id, 'v1', r, 'j' || s.id || '-' || r, 'research', 'done',
       jsonb_set($1::jsonb, '{report,typicality,category}', to_jsonb(
         (ARRAY['typical','typical','typical','typical','indeterminate','indeterminate','indeterminate','atypical',
                'negative','negative'])[1 + ((s.id * 7 + r) % 10)])), now()
     FROM series s, generate_series(1, 2) r WHERE r = 1 OR s.id % 10 = 0`,
    [JSON.stringify({ report })],
  );
  // as autovacuum would leave it: the trigger's updates vacuumed, the visibility map set
  await pool.query('VACUUM ANALYZE');
}

async function time(label, fn) {
  const ms = [];
  for (let i = 0; i < Number(opts.repeat); i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1);
  console.log(`| ${label} | ${q(0.5)} | ${q(0.9)} |`);
}

try {
  const t0 = performance.now();
  await seed();
  console.log(`${n} studies seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (schema ${schema})\n`);
  console.log('| query | median ms | p90 ms |\n| --- | --- | --- |');
  const page = { limit: 50, offset: 0 };
  await time('list, page 1, all societies', () => browseStudies(pool, { society: null, ...page }));
  await time('list, page 1, society A', () => browseStudies(pool, { society: 'A', ...page }));
  await time('list, page 200, society A', () => browseStudies(pool, { society: 'A', limit: 50, offset: 9950 }));
  await time('list, page 1, typical, all', () => browseStudies(pool, { society: null, category: 'typical', ...page }));
  await time('list, page 1, atypical, society B', () =>
    browseStudies(pool, { society: 'B', category: 'atypical', ...page }),
  );
  await time('list, page 1, involvement 8 % or more, all', () =>
    browseStudies(pool, { society: null, minInvolvement: 8, ...page }),
  );
  await time('list, page 1, involvement 9 % or more, all (none)', () =>
    browseStudies(pool, { society: null, minInvolvement: 9, ...page }),
  );
  await time('stats by category, all', () => findingStats(pool, { society: null, by: ['category'] }));
  await time("course of one patient (the patient's studies and reports)", () => patientStudies(pool, n >> 1));
  // The follow-up export as the API runs it, without the CSV: once, it reads the whole catalogue.
  const heap0 = process.memoryUsage().rss;
  let peak = heap0;
  const t1 = performance.now();
  let rows = 0;
  for await (const { studies } of patientCourses(pool, null)) {
    const readings = studies.map((st) => readingOf(st.report));
    for (let i = 1; i < readings.length; i++) if (compareReadings(readings[i - 1], readings[i]).trend) rows++;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const secs = ((performance.now() - t1) / 1000).toFixed(1);
  console.log(
    `\nfollow-up export, all societies: ${rows} rows in ${secs} s, RSS ${(heap0 / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MB`,
  );
} finally {
  if (!opts.keep) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}
