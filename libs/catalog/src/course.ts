import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

/** One of a patient's studies with the report of its newest finished analysis (the one the study list shows). */
export interface CourseStudy {
  id: number;
  studyUid: string;
  studyDate: string | null;
  description: string | null;
  createdAt: string;
  analysisId: number | null;
  finishedAt: string | null;
  report: unknown;
}

/** The most studies of one patient a course lists; a course longer than this is cut, and says so. */
export const COURSE_LIMIT = 200;

/**
 * Every study of the patient of study `studyId`, oldest first: by study date (dates are shifted by one amount per
 * patient, so their order and intervals hold), studies without a date after them in arrival order.
 */
export async function patientStudies(
  db: Db,
  studyId: number,
  limit = COURSE_LIMIT,
): Promise<{ studies: CourseStudy[]; truncated: boolean }> {
  const { rows } = await db.query(
    `SELECT st.id, st.study_uid, st.study_date, st.description, st.created_at, a.id AS analysis_id, a.finished_at,
       a.result -> 'report' AS report
     FROM studies st LEFT JOIN analyses a ON a.id = st.category_analysis_id AND a.status = 'done'
     WHERE st.patient_id = (SELECT patient_id FROM studies WHERE id = $1)
     ORDER BY st.study_date IS NULL, st.study_date, st.id
     LIMIT $2`,
    [studyId, limit + 1],
  );
  return {
    truncated: rows.length > limit,
    studies: rows.slice(0, limit).map((r) => ({
      id: Number(r.id),
      studyUid: r.study_uid,
      studyDate: r.study_date ?? null,
      description: r.description ?? null,
      createdAt: (r.created_at as Date).toISOString(),
      analysisId: r.analysis_id === null ? null : Number(r.analysis_id),
      finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
      report: r.report ?? null,
    })),
  };
}
