import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

export interface StudyInput {
  society: string;
  patientPseudonym: string;
  studyUid: string;
  source: string;
  sourceRef?: string | null;
  studyDate?: string | null;
  description?: string | null;
}

export interface SeriesInput {
  studyId: number;
  seriesUid: string;
  modality?: string | null;
  bodyPart?: string | null;
  description?: string | null;
  sliceThicknessMm?: number | null;
  imageType?: string | null;
  /** Plane of the slices: axial, coronal, sagittal or oblique. */
  orientation?: string | null;
}

export interface InstanceInput {
  seriesId: number;
  sopUid: string;
  sopClassUid?: string | null;
  instanceNumber?: number | null;
  objectKey: string;
  sha256: string;
  sizeBytes: number;
  sourceRef?: string | null;
}

export async function ensureSociety(db: Db, society: string): Promise<void> {
  await db.query('INSERT INTO societies (id) VALUES ($1) ON CONFLICT DO NOTHING', [society]);
}

/** Inserts or refreshes a study (and its society and pseudonymous patient); `created` is true on first sight. */
export async function upsertStudy(db: Db, s: StudyInput): Promise<{ id: number; created: boolean }> {
  await ensureSociety(db, s.society);
  const patient = await db.query<{ id: string }>(
    `INSERT INTO patients (society_id, pseudonym) VALUES ($1, $2)
     ON CONFLICT (society_id, pseudonym) DO UPDATE SET pseudonym = EXCLUDED.pseudonym RETURNING id`,
    [s.society, s.patientPseudonym],
  );
  const { rows } = await db.query<{ id: string; created: boolean }>(
    `INSERT INTO studies (society_id, patient_id, study_uid, source, source_ref, study_date, description)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (study_uid) DO UPDATE SET updated_at = now(),
       source_ref = COALESCE(studies.source_ref, EXCLUDED.source_ref)
     RETURNING id, (xmax = 0) AS created`,
    [
      s.society,
      patient.rows[0].id,
      s.studyUid,
      s.source,
      s.sourceRef ?? null,
      s.studyDate ?? null,
      s.description ?? null,
    ],
  );
  return { id: Number(rows[0].id), created: rows[0].created };
}

export async function upsertSeries(db: Db, s: SeriesInput): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO series (study_id, series_uid, modality, body_part, description, slice_thickness_mm, image_type,
                         orientation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (series_uid) DO UPDATE SET updated_at = now() RETURNING id`,
    [
      s.studyId,
      s.seriesUid,
      s.modality ?? null,
      s.bodyPart ?? null,
      s.description ?? null,
      s.sliceThicknessMm ?? null,
      s.imageType ?? null,
      s.orientation ?? null,
    ],
  );
  return Number(rows[0].id);
}

/** Idempotent on the (de-identified) SOP Instance UID; `created` is false when it was already stored. */
export async function upsertInstance(db: Db, i: InstanceInput): Promise<{ id: number; created: boolean }> {
  const { rows } = await db.query<{ id: string; created: boolean }>(
    `INSERT INTO instances (series_id, sop_uid, sop_class_uid, instance_number, object_key, sha256, size_bytes, source_ref)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (sop_uid) DO UPDATE SET source_ref = COALESCE(EXCLUDED.source_ref, instances.source_ref)
     RETURNING id, (xmax = 0) AS created`,
    [
      i.seriesId,
      i.sopUid,
      i.sopClassUid ?? null,
      i.instanceNumber ?? null,
      i.objectKey,
      i.sha256,
      i.sizeBytes,
      i.sourceRef ?? null,
    ],
  );
  return { id: Number(rows[0].id), created: rows[0].created };
}

export interface SeriesRow {
  id: number;
  seriesUid: string;
  modality: string | null;
  bodyPart: string | null;
  description: string | null;
  sliceThicknessMm: number | null;
  imageType: string | null;
  orientation: string | null;
  revision: number;
  contentHash: string | null;
  selected: boolean | null;
  notAnalysedReason: string | null;
  instanceCount: number;
}

export async function seriesOfStudy(db: Db, studyId: number): Promise<SeriesRow[]> {
  const { rows } = await db.query(
    `SELECT s.id, s.series_uid, s.modality, s.body_part, s.description, s.slice_thickness_mm, s.image_type,
            s.orientation, s.revision, s.content_hash, s.selected, s.not_analysed_reason,
            (SELECT count(*) FROM instances i WHERE i.series_id = s.id) AS instance_count
     FROM series s WHERE s.study_id = $1 ORDER BY s.id`,
    [studyId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    seriesUid: r.series_uid,
    modality: r.modality,
    bodyPart: r.body_part,
    description: r.description,
    sliceThicknessMm: r.slice_thickness_mm,
    imageType: r.image_type,
    orientation: r.orientation,
    revision: r.revision,
    contentHash: r.content_hash,
    selected: r.selected,
    notAnalysedReason: r.not_analysed_reason,
    instanceCount: Number(r.instance_count),
  }));
}

export async function seriesInstances(
  db: Db,
  seriesId: number,
): Promise<{ sopUid: string; objectKey: string; sha256: string; instanceNumber: number | null }[]> {
  const { rows } = await db.query(
    `SELECT sop_uid, object_key, sha256, instance_number FROM instances WHERE series_id = $1
     ORDER BY instance_number NULLS LAST, sop_uid`,
    [seriesId],
  );
  return rows.map((r) => ({
    sopUid: r.sop_uid,
    objectKey: r.object_key,
    sha256: r.sha256,
    instanceNumber: r.instance_number,
  }));
}

/** Records the selection outcome; `reason` is the "not analysed" reason for a rejected series. */
export async function recordSelection(db: Db, seriesId: number, reason: string | null): Promise<void> {
  await db.query('UPDATE series SET selected = $2, not_analysed_reason = $3, updated_at = now() WHERE id = $1', [
    seriesId,
    reason === null,
    reason,
  ]);
}
