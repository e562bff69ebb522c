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

// The unit is the newest finished analysis of each series, as in the research export: the `findings` table, kept
// by a trigger as analyses finish (migration 009), with the report's numbers as columns.
const LATEST = `
  SELECT society_id AS society, patient_id, category, ct_band, involvement, ggo, consolidation
  FROM findings WHERE ($1::text IS NULL OR society_id = $1)`;

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
