import type { Pool, PoolClient } from 'pg';
import { seriesOfStudy, type SeriesRow } from './studies.js';

type Db = Pool | PoolClient;

export interface StudySummary {
  id: number;
  society: string;
  patient: string;
  studyUid: string;
  source: string;
  studyDate: string | null;
  seriesCount: number;
  instanceCount: number;
  createdAt: string;
}

export interface StudyDetail extends StudySummary {
  series: (SeriesRow & {
    analyses: { jobId: string; analysisVersion: string; revision: number; lane: string; status: string }[];
  })[];
  quarantined: { sourceRef: string; reason: string; at: string }[];
}

const SUMMARY = `
  SELECT st.id, st.society_id, p.pseudonym, st.study_uid, st.source, st.source_ref, st.study_date, st.created_at,
    (SELECT count(*) FROM series s WHERE s.study_id = st.id) AS series_count,
    (SELECT count(*) FROM instances i JOIN series s ON s.id = i.series_id WHERE s.study_id = st.id) AS instance_count
  FROM studies st JOIN patients p ON p.id = st.patient_id`;

function summary(r: Record<string, unknown>): StudySummary & { sourceRef: string | null } {
  return {
    id: Number(r.id),
    society: r.society_id as string,
    patient: r.pseudonym as string,
    studyUid: r.study_uid as string,
    source: r.source as string,
    sourceRef: (r.source_ref as string | null) ?? null,
    studyDate: (r.study_date as string | null) ?? null,
    seriesCount: Number(r.series_count),
    instanceCount: Number(r.instance_count),
    createdAt: (r.created_at as Date).toISOString(),
  };
}

export async function listStudies(db: Db, opts: { limit?: number; society?: string } = {}): Promise<StudySummary[]> {
  const { rows } = await db.query(
    `${SUMMARY} WHERE ($1::text IS NULL OR st.society_id = $1) ORDER BY st.id DESC LIMIT $2`,
    [opts.society ?? null, opts.limit ?? 100],
  );
  return rows.map((r) => {
    const { sourceRef: _ref, ...rest } = summary(r);
    return rest;
  });
}

/** A study by catalogue id or by its (de-identified) Study Instance UID, with series, analyses and quarantine. */
export async function getStudy(db: Db, idOrUid: string): Promise<StudyDetail | undefined> {
  const byId = /^\d+$/.test(idOrUid);
  const { rows } = await db.query(`${SUMMARY} WHERE ${byId ? 'st.id = $1::bigint' : 'st.study_uid = $1'}`, [idOrUid]);
  if (!rows[0]) return undefined;
  const { sourceRef, ...study } = summary(rows[0]);
  const series = await seriesOfStudy(db, study.id);
  const analyses = await db.query(
    `SELECT series_id, job_id, analysis_version, revision, lane, status FROM analyses
     WHERE series_id = ANY($1::bigint[]) ORDER BY id`,
    [series.map((s) => s.id)],
  );
  const quarantined = sourceRef
    ? await db.query(
        'SELECT source_ref, reason, at FROM quarantine WHERE source = $1 AND source_study = $2 ORDER BY id',
        [study.source, sourceRef],
      )
    : { rows: [] };
  return {
    ...study,
    series: series.map((s) => ({
      ...s,
      analyses: analyses.rows
        .filter((a) => Number(a.series_id) === s.id)
        .map((a) => ({
          jobId: a.job_id,
          analysisVersion: a.analysis_version,
          revision: a.revision,
          lane: a.lane,
          status: a.status,
        })),
    })),
    quarantined: quarantined.rows.map((q) => ({ sourceRef: q.source_ref, reason: q.reason, at: q.at.toISOString() })),
  };
}

/** Whether `actor` uploaded instances of the study over STOW-RS (its `stow.upload` audit entries). */
export async function uploadedBy(db: Db, studyId: number, actor: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM audit WHERE study_id = $1 AND action = 'stow.upload' AND actor = $2 LIMIT 1`,
    [studyId, actor],
  );
  return rows.length > 0;
}
