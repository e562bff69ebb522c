import type { Pool, PoolClient } from 'pg';
import { USES_LOCK_KEY } from './mapping.js';
import { inTransaction } from './tx.js';

type Db = Pool | PoolClient;

/** What a study holds outside the catalogue: its objects in the store and its jobs in the queue. */
export interface StudyFootprint {
  studyId: number;
  studyUid: string;
  society: string;
  /** Instances (not shared with another study's instances) and analysis outputs. */
  objectKeys: string[];
  jobIds: string[];
}

export async function studyFootprint(db: Db, studyId: number): Promise<StudyFootprint | undefined> {
  const study = await db.query('SELECT study_uid, society_id FROM studies WHERE id = $1', [studyId]);
  if (!study.rows[0]) return undefined;
  const { rows: instances } = await db.query<{ object_key: string }>(
    `SELECT DISTINCT i.object_key FROM instances i JOIN series s ON s.id = i.series_id WHERE s.study_id = $1
       AND NOT EXISTS (SELECT 1 FROM instances o JOIN series os ON os.id = o.series_id
                       WHERE o.object_key = i.object_key AND os.study_id <> $1)`,
    [studyId],
  );
  const { rows: artifacts } = await db.query<{ object_key: string }>(
    `SELECT DISTINCT f.object_key FROM artifacts f JOIN analyses a ON a.id = f.analysis_id
     JOIN series s ON s.id = a.series_id WHERE s.study_id = $1`,
    [studyId],
  );
  const { rows: jobs } = await db.query<{ job_id: string }>(
    'SELECT a.job_id FROM analyses a JOIN series s ON s.id = a.series_id WHERE s.study_id = $1 ORDER BY a.id',
    [studyId],
  );
  return {
    studyId,
    studyUid: study.rows[0].study_uid,
    society: study.rows[0].society_id,
    objectKeys: [...instances, ...artifacts].map((r) => r.object_key),
    jobIds: jobs.map((r) => r.job_id),
  };
}

export interface StudyErasure {
  studyId: number;
  studyUid: string;
  series: number;
  instances: number;
  analyses: number;
  /**
   * Identity-map rows removed: the UIDs the study used that no other study uses (its own, its frame of reference,
   * what it refers to), and the patient's when they had no other study.
   */
  mappings: number;
  /** The patient had no other study: its row and its sealed identity went too. */
  patientRemoved: boolean;
}

/**
 * Removes a study from the catalogue in one transaction: series, instances, analyses, their files' records and
 * write-backs, the sealed originals of the UIDs it used that no other study uses, and the patient when no other
 * study of theirs remains. Audit entries stay, with the study's id moved into their detail; the erasure itself is
 * audited with its reason. The store's objects and the queue's jobs are the caller's to remove first
 * (studyFootprint).
 */
export async function eraseStudy(
  pool: Pool,
  studyId: number,
  entry: { actor: string; reason: string },
): Promise<StudyErasure | undefined> {
  return inTransaction(pool, async (db) => {
    // first, before any row lock: no ingest records a use between the check below and the commit
    const society = await db.query('SELECT society_id FROM studies WHERE id = $1', [studyId]);
    if (society.rows[0]) await db.query(`SELECT pg_advisory_xact_lock(${USES_LOCK_KEY})`, [society.rows[0].society_id]);
    const found = await db.query('SELECT study_uid, society_id, patient_id FROM studies WHERE id = $1 FOR UPDATE', [
      studyId,
    ]);
    const study = found.rows[0];
    if (!study) return undefined;
    const series = await db.query<{ id: string; series_uid: string }>(
      'SELECT id, series_uid FROM series WHERE study_id = $1',
      [studyId],
    );
    const seriesIds = series.rows.map((r) => r.id);
    const sops = await db.query<{ sop_uid: string }>('SELECT sop_uid FROM instances WHERE series_id = ANY($1)', [
      seriesIds,
    ]);
    const analyses = await db.query<{ id: string }>('SELECT id FROM analyses WHERE series_id = ANY($1)', [seriesIds]);
    const analysisIds = analyses.rows.map((r) => r.id);
    await db.query('DELETE FROM writebacks WHERE analysis_id = ANY($1)', [analysisIds]);
    await db.query('DELETE FROM artifacts WHERE analysis_id = ANY($1)', [analysisIds]);
    await db.query('DELETE FROM analyses WHERE id = ANY($1)', [analysisIds]);
    await db.query('DELETE FROM instances WHERE series_id = ANY($1)', [seriesIds]);
    await db.query('DELETE FROM series WHERE id = ANY($1)', [seriesIds]);
    await db.query(
      `UPDATE audit SET detail = detail || jsonb_build_object('study', study_id), study_id = NULL WHERE study_id = $1`,
      [studyId],
    );
    await db.query('DELETE FROM studies WHERE id = $1', [studyId]);
    const used = await db.query<{ pseudonym: string }>(
      'DELETE FROM identity_uses WHERE society_id = $1 AND study_uid = $2 RETURNING pseudonym',
      [study.society_id, study.study_uid],
    );
    // the catalogued UIDs too: those sealed before uses were recorded have none
    const uids = [
      study.study_uid,
      ...series.rows.map((r) => r.series_uid),
      ...sops.rows.map((r) => r.sop_uid),
      ...used.rows.map((r) => r.pseudonym),
    ];
    const mapped = await db.query(
      `DELETE FROM identity_map m WHERE society_id = $1 AND kind = 'uid' AND pseudonym = ANY($2::text[])
         AND NOT EXISTS (SELECT 1 FROM identity_uses u WHERE u.society_id = $1 AND u.pseudonym = m.pseudonym)`,
      [study.society_id, [...new Set(uids)]],
    );
    let mappings = mapped.rowCount ?? 0;
    const others = await db.query('SELECT 1 FROM studies WHERE patient_id = $1 LIMIT 1', [study.patient_id]);
    const patientRemoved = others.rows.length === 0;
    if (patientRemoved) {
      const patient = await db.query<{ pseudonym: string }>('DELETE FROM patients WHERE id = $1 RETURNING pseudonym', [
        study.patient_id,
      ]);
      const sealed = await db.query(
        `DELETE FROM identity_map WHERE society_id = $1 AND kind = 'patient' AND pseudonym = $2`,
        [study.society_id, patient.rows[0]?.pseudonym],
      );
      mappings += sealed.rowCount ?? 0;
    }
    const erasure: StudyErasure = {
      studyId,
      studyUid: study.study_uid,
      series: seriesIds.length,
      instances: sops.rows.length,
      analyses: analysisIds.length,
      mappings,
      patientRemoved,
    };
    await db.query(`INSERT INTO audit (actor, action, detail) VALUES ($1, 'study.erased', $2)`, [
      entry.actor,
      JSON.stringify({ ...erasure, society: study.society_id, reason: entry.reason }),
    ]);
    return erasure;
  });
}
