import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { PRIOR_STUDY } from './course.js';

type Db = Pool | PoolClient;

/** A study as the query API lists it: catalogue facts plus the headline of its latest analysis. */
export interface StudyListRow {
  id: number;
  society: string;
  patient: string;
  studyUid: string;
  studyDate: string | null;
  description: string | null;
  createdAt: string;
  analysis: { id: number; status: string; finishedAt: string | null; report: unknown } | null;
  /** The patient's analysed study before this one, with its report, or null. */
  prior: { id: number; studyDate: string | null; report: unknown } | null;
}

export interface StudyListQuery {
  /** Only this society's studies; null for every society. */
  society: string | null;
  /** Only studies whose latest finished analysis has this RSNA category. */
  category?: string | null;
  /** Only studies whose latest finished analysis found at least / less than this share of the lungs involved (%). */
  minInvolvement?: number | null;
  maxInvolvement?: number | null;
  limit: number;
  offset: number;
}

// The analysis shown for a study: its newest finished one, else its newest of any status.
const LATEST = `
  LEFT JOIN LATERAL (
    SELECT a.id, a.status, a.finished_at, a.result->'report' AS report FROM analyses a
    JOIN series s ON s.id = a.series_id WHERE s.study_id = st.id
    ORDER BY (a.status = 'done') DESC, a.id DESC LIMIT 1
  ) la ON true`;

const STUDY_COLUMNS = `st.id, st.society_id, p.pseudonym, st.study_uid, st.study_date, st.description, st.created_at,
  la.id AS analysis_id, la.status, la.finished_at, la.report, pv.prior_id, pv.prior_date, pv.prior_report`;

export async function browseStudies(db: Db, q: StudyListQuery): Promise<{ total: number; studies: StudyListRow[] }> {
  // The page first, then the latest analysis of its studies only: the cost follows the page, not the database. The
  // category and involvement filters read the study's own columns (kept by a trigger as analyses finish,
  // migrations 009 and 010); the category by index.
  const where = `($1::text IS NULL OR society_id = $1) AND ($2::text IS NULL OR category = $2)
    AND ($3::float8 IS NULL OR involvement >= $3) AND ($4::float8 IS NULL OR involvement < $4)`;
  const params = [q.society, q.category ?? null, q.minInvolvement ?? null, q.maxInvolvement ?? null];
  const [page, count] = await Promise.all([
    db.query(
      `SELECT ${STUDY_COLUMNS}
       FROM (SELECT * FROM studies WHERE ${where} ORDER BY id DESC LIMIT $5 OFFSET $6) st
       JOIN patients p ON p.id = st.patient_id ${LATEST} ${PRIOR_STUDY}
       ORDER BY st.id DESC`,
      [...params, q.limit, q.offset],
    ),
    db.query(`SELECT count(*) AS n FROM studies WHERE ${where}`, params),
  ]);
  const rows: QueryResultRow[] = page.rows;
  const total = Number(count.rows[0].n);
  return {
    total,
    studies: rows.map((r) => ({
      id: Number(r.id),
      society: r.society_id,
      patient: r.pseudonym,
      studyUid: r.study_uid,
      studyDate: r.study_date ?? null,
      description: r.description ?? null,
      createdAt: (r.created_at as Date).toISOString(),
      analysis:
        r.analysis_id === null
          ? null
          : {
              id: Number(r.analysis_id),
              status: r.status,
              finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
              report: r.report ?? null,
            },
      prior:
        r.prior_id === null
          ? null
          : { id: Number(r.prior_id), studyDate: r.prior_date ?? null, report: r.prior_report ?? null },
    })),
  };
}

export interface ArtifactRow {
  kind: string;
  /** The file name the worker stored it under (report.json, seg.dcm, axial.png, ...). */
  name: string;
  objectKey: string;
  sha256: string;
  mediaType: string;
}

export interface AnalysisRow {
  id: number;
  studyId: number;
  society: string;
  seriesUid: string;
  seriesDescription: string | null;
  analysisVersion: string;
  revision: number;
  lane: string;
  status: string;
  error: string | null;
  /** Failed because the engine refused the input (no lung, unreadable images), not because a server failed. */
  refused: boolean;
  versions: Record<string, string> | null;
  report: unknown;
  /** What changed since the patient's CT before, as the SR says it; null when there was none. */
  changeSincePrior: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  artifacts: ArtifactRow[];
}

const iso = (d: unknown) => (d ? (d as Date).toISOString() : null);

function analysisRow(r: Record<string, unknown>, artifacts: ArtifactRow[]): AnalysisRow {
  const result = r.result as { report?: unknown; changeSincePrior?: unknown } | null;
  return {
    id: Number(r.id),
    studyId: Number(r.study_id),
    society: r.society_id as string,
    seriesUid: r.series_uid as string,
    seriesDescription: (r.description as string | null) ?? null,
    analysisVersion: r.analysis_version as string,
    revision: Number(r.revision),
    lane: r.lane as string,
    status: r.status as string,
    error: (r.error as string | null) ?? null,
    refused: r.refused === true,
    versions: (r.versions as Record<string, string> | null) ?? null,
    report: result?.report ?? null,
    changeSincePrior: typeof result?.changeSincePrior === 'string' ? result.changeSincePrior : null,
    createdAt: iso(r.created_at) as string,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    artifacts,
  };
}

const ANALYSIS = `
  SELECT a.id, a.analysis_version, a.revision, a.lane, a.status, a.error, a.refused, a.versions, a.result, a.created_at,
    a.started_at, a.finished_at, s.series_uid, s.description, st.id AS study_id, st.society_id
  FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id`;

async function artifactsOf(db: Db, ids: number[]): Promise<Map<number, ArtifactRow[]>> {
  const { rows } = await db.query(
    `SELECT analysis_id, kind, object_key, sha256, media_type FROM artifacts WHERE analysis_id = ANY($1::bigint[])
     ORDER BY id`,
    [ids],
  );
  const out = new Map<number, ArtifactRow[]>();
  for (const r of rows) {
    const list = out.get(Number(r.analysis_id)) ?? [];
    const key = r.object_key as string;
    list.push({
      kind: r.kind,
      name: key.slice(key.lastIndexOf('/') + 1),
      objectKey: key,
      sha256: r.sha256,
      mediaType: r.media_type,
    });
    out.set(Number(r.analysis_id), list);
  }
  return out;
}

/** One analysis with its report, engine versions and stored files. */
export async function analysisById(db: Db, id: number): Promise<AnalysisRow | undefined> {
  const { rows } = await db.query(`${ANALYSIS} WHERE a.id = $1`, [id]);
  if (!rows[0]) return undefined;
  return analysisRow(rows[0], (await artifactsOf(db, [id])).get(id) ?? []);
}

/** Every analysis of a study, newest first. */
export async function analysesOfStudy(db: Db, studyId: number): Promise<AnalysisRow[]> {
  const { rows } = await db.query(`${ANALYSIS} WHERE st.id = $1 ORDER BY a.id DESC`, [studyId]);
  const files = await artifactsOf(
    db,
    rows.map((r) => Number(r.id)),
  );
  return rows.map((r) => analysisRow(r, files.get(Number(r.id)) ?? []));
}

/** The newest finished analysis of every analysed series (the research export), oldest study first. */
export async function finishedAnalyses(
  db: Db,
  society: string | null,
): Promise<(AnalysisRow & { patient: string; studyUid: string; studyDate: string | null })[]> {
  const { rows } = await db.query(
    // `findings` names each series' newest finished analysis (migration 009): no sort of every analysis by series
    `SELECT a.id, a.analysis_version, a.revision, a.lane, a.status, a.error, a.versions, a.result, a.created_at,
       a.started_at, a.finished_at, s.series_uid, s.description, st.id AS study_id, st.society_id, st.study_uid,
       st.study_date, p.pseudonym
     FROM findings f JOIN analyses a ON a.id = f.analysis_id JOIN series s ON s.id = f.series_id
     JOIN studies st ON st.id = f.study_id JOIN patients p ON p.id = st.patient_id
     WHERE ($1::text IS NULL OR f.society_id = $1)
     ORDER BY st.id, a.id`,
    [society],
  );
  return rows.map((r) => ({
    ...analysisRow(r, []),
    patient: r.pseudonym,
    studyUid: r.study_uid,
    studyDate: r.study_date ?? null,
  }));
}
