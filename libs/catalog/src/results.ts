import type { Pool, PoolClient } from 'pg';
import { openOriginal, type MappingKind } from './mapping.js';

type Db = Pool | PoolClient;

/** What the worker needs about an analysis beyond its job: the study's origin and pseudonymous patient. */
export interface AnalysisTarget {
  id: number;
  status: string;
  studyId: number;
  society: string;
  patientPseudonym: string;
  source: string;
  sourceRef: string | null;
}

export async function analysisTarget(db: Db, jobId: string): Promise<AnalysisTarget | undefined> {
  const { rows } = await db.query(
    `SELECT a.id, a.status, st.id AS study_id, st.society_id, p.pseudonym, st.source, st.source_ref
     FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
     JOIN patients p ON p.id = st.patient_id WHERE a.job_id = $1`,
    [jobId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    status: r.status,
    studyId: Number(r.study_id),
    society: r.society_id,
    patientPseudonym: r.pseudonym,
    source: r.source,
    sourceRef: r.source_ref,
  };
}

export async function startAnalysis(db: Db, analysisId: number): Promise<void> {
  await db.query(
    `UPDATE analyses SET status = 'running', started_at = now(), error = NULL, refused = false, updated_at = now()
     WHERE id = $1`,
    [analysisId],
  );
}

/** Records the outcome (report) and the exact engine versions that produced it. */
export async function finishAnalysis(
  db: Db,
  analysisId: number,
  result: unknown,
  versions: Record<string, string>,
): Promise<void> {
  await db.query(
    `UPDATE analyses SET status = 'done', result = $2, versions = $3, finished_at = now(), error = NULL,
       updated_at = now() WHERE id = $1`,
    [analysisId, JSON.stringify(result), JSON.stringify(versions)],
  );
}

/** `refused`: the engine refused the input (a replay cannot change that), rather than a server failing. */
export async function failAnalysis(db: Db, analysisId: number, error: string, refused = false): Promise<void> {
  await db.query(
    `UPDATE analyses SET status = 'failed', error = $2, refused = $3, finished_at = now(), updated_at = now()
     WHERE id = $1`,
    [analysisId, error, refused],
  );
}

/** Like recordArtifact, but a re-run that rewrote the same object key updates its hash. */
export async function saveArtifact(
  db: Db,
  a: { analysisId: number; kind: string; objectKey: string; sha256: string; mediaType: string },
): Promise<void> {
  await db.query(
    `INSERT INTO artifacts (analysis_id, kind, object_key, sha256, media_type) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (analysis_id, kind, object_key) DO UPDATE SET sha256 = EXCLUDED.sha256`,
    [a.analysisId, a.kind, a.objectKey, a.sha256, a.mediaType],
  );
}

/** SEG and SR of a result; a notice when the series was not analysed. */
export type WritebackKind = 'seg' | 'sr' | 'notice';

export interface Writeback {
  kind: WritebackKind;
  target: string;
  sopUid: string;
  status: 'pending' | 'sent';
  attempts: number;
  remoteId: string | null;
}

function toWriteback(r: Record<string, unknown>): Writeback {
  return {
    kind: r.kind as Writeback['kind'],
    target: r.target as string,
    sopUid: r.sop_uid as string,
    status: r.status as Writeback['status'],
    attempts: r.attempts as number,
    remoteId: (r.remote_id as string | null) ?? null,
  };
}

/** Plans a write-back (once: a second plan keeps the first UID) and returns its row. */
export async function planWriteback(
  db: Db,
  w: { analysisId: number; kind: WritebackKind; target: string; sopUid: string },
): Promise<Writeback> {
  const { rows } = await db.query(
    `INSERT INTO writebacks (analysis_id, kind, target, sop_uid) VALUES ($1, $2, $3, $4)
     ON CONFLICT (analysis_id, kind, target) DO UPDATE SET attempts = writebacks.attempts + 1
     RETURNING kind, target, sop_uid, status, attempts, remote_id`,
    [w.analysisId, w.kind, w.target, w.sopUid],
  );
  return toWriteback(rows[0]);
}

export async function markWriteback(
  db: Db,
  w: { analysisId: number; kind: WritebackKind; target: string; remoteId?: string | null; error?: string },
): Promise<void> {
  if (w.error !== undefined)
    await db.query('UPDATE writebacks SET last_error = $4 WHERE analysis_id = $1 AND kind = $2 AND target = $3', [
      w.analysisId,
      w.kind,
      w.target,
      w.error,
    ]);
  else
    await db.query(
      `UPDATE writebacks SET status = 'sent', remote_id = $4, sent_at = now(), last_error = NULL
       WHERE analysis_id = $1 AND kind = $2 AND target = $3`,
      [w.analysisId, w.kind, w.target, w.remoteId ?? null],
    );
}

export async function writebacksOf(db: Db, analysisId: number): Promise<Writeback[]> {
  const { rows } = await db.query(
    'SELECT kind, target, sop_uid, status, attempts, remote_id FROM writebacks WHERE analysis_id = $1 ORDER BY kind',
    [analysisId],
  );
  return rows.map(toWriteback);
}

/** The originals behind many pseudonyms of one society and kind at once; unknown pseudonyms are absent. */
export async function lookupOriginals(
  db: Db,
  hexKey: string,
  society: string,
  kind: MappingKind,
  pseudonyms: string[],
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ pseudonym: string; original: Buffer }>(
    'SELECT pseudonym, original FROM identity_map WHERE society_id = $1 AND kind = $2 AND pseudonym = ANY($3::text[])',
    [society, kind, [...new Set(pseudonyms)]],
  );
  return new Map(rows.map((r) => [r.pseudonym, openOriginal(hexKey, society, kind, r.pseudonym, r.original)]));
}
