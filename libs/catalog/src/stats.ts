import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

/** What the findings can be grouped by. Column expressions are fixed here: callers name, never write, SQL. */
export const STAT_DIMENSIONS = ['society', 'category', 'ctBand'] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];
const COLUMN: Record<StatDimension, string> = { society: 'society', category: 'category', ctBand: 'ct_band' };

export interface StatsQuery {
  /** One society, or null for every society. */
  society: string | null;
  by: StatDimension[];
  category?: string | null;
  /** Involvement (% of lung) at least / below. */
  minInvolvement?: number | null;
  maxInvolvement?: number | null;
}

export interface StatGroup {
  key: Partial<Record<StatDimension, string | null>>;
  /** Distinct patients: what small-cell suppression counts. */
  patients: number;
  analyses: number;
  involvementMean: number | null;
  involvementMedian: number | null;
  ggoMlMean: number | null;
  consolidationMlMean: number | null;
}

// A report field as a number, or NULL when it is missing or not a number (an old report must not fail the query).
const num = (path: string) =>
  `CASE WHEN jsonb_typeof(a.result->'report'${path}) = 'number' THEN (a.result->'report'${path})::text::float8 END`;

// The unit is the newest finished analysis of each series, as in the research export.
const LATEST = `
  SELECT DISTINCT ON (a.series_id) st.society_id AS society, st.patient_id,
    a.result->'report'->'typicality'->>'category' AS category,
    a.result->'report'->'severity'->>'mosmed' AS ct_band,
    ${num("->'involvement'->'percent'")} AS involvement,
    ${num("->'lesions'->'ggo'->'volumeMl'")} AS ggo,
    ${num("->'lesions'->'consolidation'->'volumeMl'")} AS consolidation
  FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
  WHERE a.status = 'done' AND ($1::text IS NULL OR st.society_id = $1)
  ORDER BY a.series_id, a.id DESC`;

/** Counts and means of the findings per group, plus the same over the whole selection (`total`, key {}). */
export async function findingStats(db: Db, q: StatsQuery): Promise<{ groups: StatGroup[]; total: StatGroup }> {
  const cols = q.by.map((d) => COLUMN[d]);
  const select = (group: string[]) =>
    `SELECT ${group.map((c) => `${c}, `).join('')}count(DISTINCT patient_id) AS patients, count(*) AS analyses,
       avg(involvement) AS involvement_mean,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY involvement) AS involvement_median,
       avg(ggo) AS ggo_mean, avg(consolidation) AS consolidation_mean
     FROM (${LATEST}) latest
     WHERE ($2::text IS NULL OR category = $2) AND ($3::float8 IS NULL OR involvement >= $3)
       AND ($4::float8 IS NULL OR involvement < $4)
     ${group.length ? `GROUP BY ${group.join(', ')} ORDER BY ${group.join(', ')}` : ''}`;
  const params = [q.society, q.category ?? null, q.minInvolvement ?? null, q.maxInvolvement ?? null];
  const [grouped, all] = await Promise.all([db.query(select(cols), params), db.query(select([]), params)]);
  const row = (r: Record<string, unknown>): StatGroup => ({
    key: Object.fromEntries(q.by.map((d) => [d, (r[COLUMN[d]] as string | null) ?? null])),
    patients: Number(r.patients),
    analyses: Number(r.analyses),
    involvementMean: r.involvement_mean === null ? null : Number(r.involvement_mean),
    involvementMedian: r.involvement_median === null ? null : Number(r.involvement_median),
    ggoMlMean: r.ggo_mean === null ? null : Number(r.ggo_mean),
    consolidationMlMean: r.consolidation_mean === null ? null : Number(r.consolidation_mean),
  });
  return { groups: grouped.rows.map(row), total: row(all.rows[0]) };
}
