import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

/** What one society has contributed and what the platform did with it. */
export interface SocietyUsage {
  society: string;
  patients: number;
  studies: number;
  instances: number;
  storedBytes: number;
  quarantined: number;
  lastContribution: string | null;
  /** Analyses by status (queued, running, retrying, done, failed). */
  analyses: Record<string, number>;
  /** Finished within the window: how many, and the time from job creation to results (seconds). */
  recent: { done: number; failed: number; turnaroundMedianS: number | null; turnaroundP90S: number | null };
}

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Usage per society (one society, or every one when `society` is null) over the last `days` days. */
export async function societyUsage(db: Db, society: string | null, days: number): Promise<SocietyUsage[]> {
  const inScope = (column: string) => `($1::text IS NULL OR ${column} = $1)`;
  const [base, stored, quarantined, statuses, recent] = await Promise.all([
    db.query(
      `SELECT soc.id AS society, count(DISTINCT st.patient_id) AS patients, count(st.id) AS studies,
         max(st.created_at) AS last
       FROM societies soc LEFT JOIN studies st ON st.society_id = soc.id
       WHERE ${inScope('soc.id')} GROUP BY soc.id ORDER BY soc.id`,
      [society],
    ),
    db.query(
      `SELECT st.society_id AS society, count(*) AS instances, sum(i.size_bytes) AS bytes
       FROM instances i JOIN series s ON s.id = i.series_id JOIN studies st ON st.id = s.study_id
       WHERE ${inScope('st.society_id')} GROUP BY st.society_id`,
      [society],
    ),
    db.query(
      // results of mic's own that came back on the change feed are recorded there as skipped, not refused
      `SELECT society_id AS society, count(*) AS n FROM quarantine
       WHERE ${inScope('society_id')} AND reason NOT LIKE 'skipped:%' GROUP BY society_id`,
      [society],
    ),
    db.query(
      `SELECT st.society_id AS society, a.status, count(*) AS n
       FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
       WHERE ${inScope('st.society_id')} GROUP BY st.society_id, a.status`,
      [society],
    ),
    db.query(
      `SELECT st.society_id AS society,
         count(*) FILTER (WHERE a.status = 'done') AS done, count(*) FILTER (WHERE a.status = 'failed') AS failed,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.created_at))
           FILTER (WHERE a.status = 'done') AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.created_at))
           FILTER (WHERE a.status = 'done') AS p90
       FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
       WHERE ${inScope('st.society_id')} AND a.updated_at > now() - make_interval(days => $2)
         AND a.status IN ('done', 'failed')
       GROUP BY st.society_id`,
      [society, days],
    ),
  ]);
  const by = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [r.society as string, r]));
  const storedBy = by(stored.rows);
  const quarantinedBy = by(quarantined.rows);
  const recentBy = by(recent.rows);
  return base.rows.map((r) => {
    const id = r.society as string;
    const s = storedBy.get(id);
    const q = recentBy.get(id);
    return {
      society: id,
      patients: n(r.patients),
      studies: n(r.studies),
      instances: n(s?.instances),
      storedBytes: n(s?.bytes),
      quarantined: n(quarantinedBy.get(id)?.n),
      lastContribution: r.last ? (r.last as Date).toISOString() : null,
      analyses: Object.fromEntries(
        statuses.rows.filter((x) => x.society === id).map((x) => [x.status as string, n(x.n)]),
      ),
      recent: {
        done: n(q?.done),
        failed: n(q?.failed),
        turnaroundMedianS: orNull(q?.median),
        turnaroundP90S: orNull(q?.p90),
      },
    };
  });
}

/** Bytes a society uploaded by STOW-RS within the last `hours` (as stored, after de-identification): its quota use. */
export async function uploadedBytes(db: Db, society: string, hours: number): Promise<number> {
  const { rows } = await db.query(
    `SELECT coalesce(sum(i.size_bytes), 0) AS n
     FROM instances i JOIN series s ON s.id = i.series_id JOIN studies st ON st.id = s.study_id
     WHERE st.society_id = $1 AND i.source_ref LIKE 'stow/%' AND i.created_at > now() - make_interval(hours => $2)`,
    [society, hours],
  );
  return Number(rows[0].n);
}
