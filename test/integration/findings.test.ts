import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  browseStudies,
  createCatalogPool,
  eraseStudy,
  failAnalysis,
  findingStats,
  finishedAnalyses,
  finishAnalysis,
  migrate,
  MIGRATIONS_DIR,
  recordAnalysis,
  startAnalysis,
  upsertSeries,
  upsertStudy,
  type Pool,
} from '@mic/catalog';
import { loadConfig } from '@mic/config';
import { requireService } from './support/stack.js';

jest.setTimeout(60_000);

// The study list's category filter and the finding statistics read what the trigger of migration 009 keeps: each
// series' newest finished analysis and each study's category. Checked against the analyses themselves.
const schema = `it_findings_${randomBytes(4).toString('hex')}`;
const config = loadConfig({ overrides: { catalog: { schema } } });
let pool: Pool;
let n = 0;

const report = (category: string, involvement: unknown = 5) => ({
  report: {
    typicality: { category },
    involvement: { percent: involvement },
    severity: { mosmed: 'CT-1' },
    lesions: { ggo: { volumeMl: 100 }, consolidation: { volumeMl: 10 } },
  },
});

async function study(society = 'A', patient = `P${++n}`) {
  const s = await upsertStudy(pool, {
    society,
    patientPseudonym: patient,
    studyUid: `2.25.${schema}.${++n}`,
    source: 'stow',
  });
  const series = async () => upsertSeries(pool, { studyId: s.id, seriesUid: `2.25.${schema}.${++n}`, modality: 'CT' });
  return { id: s.id, series };
}

async function analysis(seriesId: number) {
  const a = await recordAnalysis(pool, {
    seriesId,
    analysisVersion: '1',
    revision: ++n,
    jobId: `${schema}-${n}`,
    lane: 'research',
  });
  return a.id;
}

const categoryOf = async (studyId: number) =>
  (await pool.query('SELECT category FROM studies WHERE id = $1', [studyId])).rows[0]?.category ?? null;
const involvementOf = async (studyId: number) =>
  (await pool.query('SELECT involvement FROM studies WHERE id = $1', [studyId])).rows[0]?.involvement ?? null;
const listed = async (category: string, society: string | null = null) =>
  (await browseStudies(pool, { society, category, limit: 100, offset: 0 })).studies.map((s) => s.id);

describe('findings kept as analyses finish', () => {
  beforeAll(async () => {
    await requireService('postgres');
    pool = createCatalogPool(config);
  });

  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  it('fills in what was finished before the migration', async () => {
    // the catalogue as it was before 009, with finished analyses in it
    const before = mkdtempSync(join(tmpdir(), 'mic-migrations-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '009'))
      copyFileSync(join(MIGRATIONS_DIR, f), join(before, f));
    await migrate(pool, schema, before);
    const s = await study();
    const [x, y] = [await s.series(), await s.series()];
    const old = await analysis(x);
    await finishAnalysis(pool, old, report('typical'), {});
    const newer = await analysis(x);
    await finishAnalysis(pool, newer, report('indeterminate', 7.5), {});
    await finishAnalysis(pool, await analysis(y), report('atypical', 'n/a'), {});
    // 009 and 010 fill in (later migrations follow them)
    expect((await migrate(pool, schema)).slice(0, 2)).toEqual([9, 10]);
    // the newest finished analysis of the study (any series) gives its category and involvement (not a number
    // there: none); of each series, its findings
    expect(await categoryOf(s.id)).toBe('atypical');
    expect(await involvementOf(s.id)).toBeNull();
    const rows = (await pool.query('SELECT series_id, analysis_id, category, involvement FROM findings ORDER BY 1'))
      .rows;
    expect(rows).toEqual([
      { series_id: String(x), analysis_id: String(newer), category: 'indeterminate', involvement: 7.5 },
      { series_id: String(y), analysis_id: expect.any(String), category: 'atypical', involvement: null },
    ]);
  });

  it('follows the newest finished analysis: not an older one finished late, not a failure', async () => {
    const s = await study();
    const series = await s.series();
    const first = await analysis(series);
    const second = await analysis(series);
    await finishAnalysis(pool, second, report('negative', 0), {});
    expect(await categoryOf(s.id)).toBe('negative');
    await finishAnalysis(pool, first, report('typical'), {}); // older, finished after
    expect(await categoryOf(s.id)).toBe('negative');
    const third = await analysis(series);
    await startAnalysis(pool, third);
    await failAnalysis(pool, third, 'no lung found', true);
    expect(await categoryOf(s.id)).toBe('negative');
    expect(await listed('negative')).toContain(s.id);
    const fourth = await analysis(series);
    await finishAnalysis(pool, fourth, report('typical', 12), {});
    expect(await categoryOf(s.id)).toBe('typical');
    expect(await involvementOf(s.id)).toBe(12);
    expect(await listed('negative')).not.toContain(s.id);
    expect(await listed('typical')).toContain(s.id);
    expect((await pool.query('SELECT analysis_id FROM findings WHERE series_id = $1', [series])).rows).toEqual([
      { analysis_id: String(fourth) },
    ]);
  });

  it('lists, counts and aggregates as the analyses say, and forgets an erased study', async () => {
    const made: { id: number; society: string; category: string; involvement: number }[] = [];
    const categories = ['typical', 'typical', 'indeterminate', 'negative', 'typical', 'atypical'];
    for (const [i, category] of categories.entries()) {
      const society = i % 2 ? 'B' : 'A';
      const s = await study(society);
      await finishAnalysis(pool, await analysis(await s.series()), report(category, i + 1), {});
      made.push({ id: s.id, society, category, involvement: i + 1 });
    }
    // every study in the schema: its category is that of its newest finished analysis, read the slow way
    const truth = (
      await pool.query(
        `SELECT DISTINCT ON (s.study_id) s.study_id AS id, st.society_id AS society,
           a.result->'report'->'typicality'->>'category' AS category
         FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
         WHERE a.status = 'done' ORDER BY s.study_id, a.id DESC`,
      )
    ).rows.map((r) => ({ id: Number(r.id), society: r.society as string, category: r.category as string }));
    for (const category of ['typical', 'indeterminate', 'atypical', 'negative'])
      for (const society of [null, 'A', 'B']) {
        const want = truth
          .filter((t) => t.category === category && (society === null || t.society === society))
          .map((t) => t.id)
          .sort((a, b) => b - a);
        const page = await browseStudies(pool, { society, category, limit: 100, offset: 0 });
        expect({ category, society, ids: page.studies.map((s) => s.id), total: page.total }).toEqual({
          category,
          society,
          ids: want,
          total: want.length,
        });
      }
    const stats = await findingStats(pool, { society: 'B', by: ['category'] });
    // by involvement: at least / less than, as the newest finished analyses say
    const byInvolvement = async (min: number | null, max: number | null) =>
      (
        await browseStudies(pool, { society: null, minInvolvement: min, maxInvolvement: max, limit: 100, offset: 0 })
      ).studies
        .map((s) => s.id)
        .filter((id) => made.some((m) => m.id === id));
    const ids = (f: (m: (typeof made)[number]) => boolean) =>
      made
        .filter(f)
        .map((m) => m.id)
        .sort((a, b) => b - a);
    expect(await byInvolvement(3, null)).toEqual(ids((m) => m.involvement >= 3));
    expect(await byInvolvement(2, 5)).toEqual(ids((m) => m.involvement >= 2 && m.involvement < 5));
    // with the category and the society too, counted over every study here, read the slow way
    const slow = await pool.query(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT ON (s.study_id) st.society_id, a.result->'report'->'typicality'->>'category' AS category,
           CASE WHEN jsonb_typeof(a.result->'report'->'involvement'->'percent') = 'number'
             THEN (a.result->'report'->'involvement'->>'percent')::float8 END AS involvement
         FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
         WHERE a.status = 'done' ORDER BY s.study_id, a.id DESC) x
       WHERE society_id = 'A' AND category = 'typical' AND involvement >= 2`,
    );
    const query = { society: 'A', category: 'typical', minInvolvement: 2, limit: 9, offset: 0 };
    expect((await browseStudies(pool, query)).total).toBe(slow.rows[0].n);

    // every study of B has one series: one analysis each
    expect(stats.total.analyses).toBe(truth.filter((t) => t.society === 'B').length);
    const typicalB = stats.groups.find((g) => g.key.category === 'typical');
    const want = made.filter((m) => m.society === 'B' && m.category === 'typical');
    expect(typicalB?.involvementMean).toBeCloseTo(want.reduce((a, m) => a + m.involvement, 0) / want.length);

    // the research export: each series' newest finished analysis, oldest study first
    const newest = (
      await pool.query(
        `SELECT * FROM (SELECT DISTINCT ON (a.series_id) a.id, s.study_id FROM analyses a
           JOIN series s ON s.id = a.series_id WHERE a.status = 'done' ORDER BY a.series_id, a.id DESC) x
         ORDER BY study_id, id`,
      )
    ).rows.map((r) => Number(r.id));
    expect((await finishedAnalyses(pool, null)).map((a) => a.id)).toEqual(newest);

    const gone = made[0];
    await eraseStudy(pool, gone.id, { actor: 'test', reason: 'test' });
    expect(await listed(gone.category)).not.toContain(gone.id);
    expect((await pool.query('SELECT 1 FROM findings WHERE study_id = $1', [gone.id])).rows).toEqual([]);
  });
});
