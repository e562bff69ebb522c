import type { Pool, PoolClient, QueryResultRow } from 'pg';

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

function courseStudy(r: QueryResultRow): CourseStudy {
  return {
    id: Number(r.id),
    studyUid: r.study_uid,
    studyDate: r.study_date ?? null,
    description: r.description ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    analysisId: r.analysis_id === null ? null : Number(r.analysis_id),
    finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
    report: r.report ?? null,
  };
}

/** The course's order: by (shifted) study date, studies without a date after them, each by arrival. */
const COURSE_ORDER = 'st.study_date IS NULL, st.study_date, st.id';

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
     ORDER BY ${COURSE_ORDER}
     LIMIT $2`,
    [studyId, limit + 1],
  );
  return {
    truncated: rows.length > limit,
    studies: rows.slice(0, limit).map(courseStudy),
  };
}

/**
 * A lateral subquery: the patient's analysed study just before study `st` in the course's order (dated studies by
 * date, then undated ones, each by id, as a row value), with its date and report as prior_id, prior_date and
 * prior_report.
 */
export const PRIOR_STUDY = `
  LEFT JOIN LATERAL (
    SELECT pr.id AS prior_id, pr.study_date AS prior_date, pa.result -> 'report' AS prior_report
    FROM studies pr JOIN analyses pa ON pa.id = pr.category_analysis_id AND pa.status = 'done'
    WHERE pr.patient_id = st.patient_id AND pr.id <> st.id
      AND (pr.study_date IS NULL, COALESCE(pr.study_date, ''), pr.id)
        < (st.study_date IS NULL, COALESCE(st.study_date, ''), st.id)
    ORDER BY pr.study_date IS NULL DESC, COALESCE(pr.study_date, '') DESC, pr.id DESC
    LIMIT 1
  ) pv ON true`;

/**
 * The report of the patient's analysed study just before study `studyId` in the course's order, with both study
 * dates; undefined when there is none. The worker writes the change since it into the SR it sends back.
 */
export async function priorStudyReport(
  db: Db,
  studyId: number,
): Promise<{ studyId: number; studyDate: string | null; currentDate: string | null; report: unknown } | undefined> {
  const { rows } = await db.query(
    `SELECT st.study_date, pv.prior_id, pv.prior_date, pv.prior_report FROM studies st ${PRIOR_STUDY}
     WHERE st.id = $1`,
    [studyId],
  );
  const r = rows[0];
  if (!r || r.prior_id === null) return undefined;
  return {
    studyId: Number(r.prior_id),
    studyDate: r.prior_date ?? null,
    currentDate: r.study_date ?? null,
    report: r.prior_report,
  };
}

/**
 * Every patient in scope with at least two analysed studies, a batch of patients at a time (memory follows the
 * batch, not the catalogue), each with its analysed studies in the course's order.
 */
export async function* patientCourses(
  db: Db,
  society: string | null,
  batch = 500,
): AsyncGenerator<{ society: string; patient: string; studies: CourseStudy[] }> {
  let after = 0;
  for (;;) {
    const ids = await db.query(
      `SELECT id FROM patients WHERE ($1::text IS NULL OR society_id = $1) AND id > $2 ORDER BY id LIMIT $3`,
      [society, after, batch],
    );
    if (ids.rows.length === 0) return;
    const list = ids.rows.map((r) => Number(r.id));
    after = list[list.length - 1];
    const { rows } = await db.query(
      `SELECT st.patient_id, p.pseudonym, st.society_id, st.id, st.study_uid, st.study_date, st.description,
         st.created_at, a.id AS analysis_id, a.finished_at, a.result -> 'report' AS report
       FROM studies st JOIN patients p ON p.id = st.patient_id
       JOIN analyses a ON a.id = st.category_analysis_id AND a.status = 'done'
       WHERE st.patient_id = ANY($1::bigint[])
       ORDER BY st.patient_id, ${COURSE_ORDER}`,
      [list],
    );
    let i = 0;
    while (i < rows.length) {
      let j = i;
      while (j < rows.length && rows[j].patient_id === rows[i].patient_id) j++;
      if (j - i >= 2)
        yield {
          society: rows[i].society_id,
          patient: rows[i].pseudonym,
          studies: rows.slice(i, j).map(courseStudy),
        };
      i = j;
    }
  }
}
