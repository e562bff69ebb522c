import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;
export type Lane = 'clinical' | 'research';

/**
 * Gives the revision to analyse for a series whose current instance set hashes to `contentHash`: the same set keeps
 * its revision (`changed` false), a new set (first time, or late instances: an amendment) takes the next one.
 */
export async function planRevision(
  db: Db,
  seriesId: number,
  contentHash: string,
): Promise<{ revision: number; changed: boolean }> {
  const bumped = await db.query<{ revision: number }>(
    `UPDATE series SET revision = revision + 1, content_hash = $2, updated_at = now()
     WHERE id = $1 AND content_hash IS DISTINCT FROM $2 RETURNING revision`,
    [seriesId, contentHash],
  );
  if (bumped.rows[0]) return { revision: bumped.rows[0].revision, changed: true };
  const { rows } = await db.query<{ revision: number }>('SELECT revision FROM series WHERE id = $1', [seriesId]);
  return { revision: rows[0].revision, changed: false };
}

export interface AnalysisInput {
  seriesId: number;
  analysisVersion: string;
  revision: number;
  jobId: string;
  lane: Lane;
}

/** One row per (series, analysis version, revision): recording it again changes nothing. */
export async function recordAnalysis(db: Db, a: AnalysisInput): Promise<{ id: number; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO analyses (series_id, analysis_version, revision, job_id, lane) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING id`,
    [a.seriesId, a.analysisVersion, a.revision, a.jobId, a.lane],
  );
  if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), created: true };
  const { rows } = await db.query<{ id: string }>('SELECT id FROM analyses WHERE job_id = $1', [a.jobId]);
  return { id: Number(rows[0].id), created: false };
}

export interface OutboxEntry {
  id: number;
  jobId: string;
  seriesId: number;
  studyId: number;
  studyUid: string;
  seriesUid: string;
  society: string;
  analysisVersion: string;
  revision: number;
  lane: Lane;
}

/** Analyses recorded but not yet confirmed in the queue (all, or one study's), oldest first. */
export async function unenqueuedAnalyses(db: Db, studyId?: number): Promise<OutboxEntry[]> {
  const { rows } = await db.query(
    `SELECT a.id, a.job_id, a.series_id, s.study_id, st.study_uid, s.series_uid, st.society_id,
            a.analysis_version, a.revision, a.lane
     FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
     WHERE a.enqueued_at IS NULL AND ($1::bigint IS NULL OR s.study_id = $1) ORDER BY a.id LIMIT 500`,
    [studyId ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    jobId: r.job_id,
    seriesId: Number(r.series_id),
    studyId: Number(r.study_id),
    studyUid: r.study_uid,
    seriesUid: r.series_uid,
    society: r.society_id,
    analysisVersion: r.analysis_version,
    revision: r.revision,
    lane: r.lane,
  }));
}

/** Analyses sent to the queue and not finished (queued or running): the jobs the queue must still hold. */
export async function openEnqueuedAnalyses(db: Db, limit = 1000): Promise<{ id: number; jobId: string }[]> {
  const { rows } = await db.query(
    `SELECT id, job_id FROM analyses WHERE enqueued_at IS NOT NULL AND status IN ('queued', 'running')
     ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ id: Number(r.id), jobId: r.job_id }));
}

/** Back into the outbox: the next flush sends the job again, under the same id. */
export async function markUnenqueued(db: Db, analysisId: number): Promise<void> {
  await db.query('UPDATE analyses SET enqueued_at = NULL, updated_at = now() WHERE id = $1', [analysisId]);
}

export async function markEnqueued(db: Db, analysisId: number): Promise<void> {
  await db.query('UPDATE analyses SET enqueued_at = now(), updated_at = now() WHERE id = $1', [analysisId]);
}

export async function setAnalysisStatus(db: Db, jobId: string, status: string, result?: unknown): Promise<void> {
  await db.query(
    'UPDATE analyses SET status = $2, result = COALESCE($3, result), updated_at = now() WHERE job_id = $1',
    [jobId, status, result === undefined ? null : JSON.stringify(result)],
  );
}

export interface ArtifactInput {
  analysisId: number;
  kind: string;
  objectKey: string;
  sha256: string;
  mediaType: string;
}

export async function recordArtifact(db: Db, a: ArtifactInput): Promise<void> {
  await db.query(
    `INSERT INTO artifacts (analysis_id, kind, object_key, sha256, media_type) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [a.analysisId, a.kind, a.objectKey, a.sha256, a.mediaType],
  );
}

export async function audit(
  db: Db,
  entry: { actor: string; action: string; studyId?: number | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db.query('INSERT INTO audit (actor, action, study_id, detail) VALUES ($1, $2, $3, $4)', [
    entry.actor,
    entry.action,
    entry.studyId ?? null,
    JSON.stringify(entry.detail ?? {}),
  ]);
}

export interface QuarantineInput {
  society: string;
  source: string;
  sourceRef: string;
  sourceStudy?: string | null;
  sha256?: string | null;
  reason: string;
}

/** Records an object that could not be ingested, once per source reference (the latest reason wins). */
export async function quarantine(db: Db, q: QuarantineInput): Promise<void> {
  await db.query('INSERT INTO societies (id) VALUES ($1) ON CONFLICT DO NOTHING', [q.society]);
  await db.query(
    `INSERT INTO quarantine (society_id, source, source_ref, source_study, sha256, reason)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (source, source_ref) DO UPDATE SET reason = EXCLUDED.reason, at = now()`,
    [q.society, q.source, q.sourceRef, q.sourceStudy ?? null, q.sha256 ?? null, q.reason],
  );
}
