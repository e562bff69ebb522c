import { compareReadings, daysBetween, readingOf, type Comparison } from '@mic/analysis';
import { audit, patientCourses, patientStudies, type CourseStudy } from '@mic/catalog';
import { societyFilter } from './access.js';
import { actor, readableStudy, type Route } from './call.js';
import { sendJson } from './http.js';
import { csvLine, headline } from './report.js';

type Change = Comparison & { fromStudy: number; toStudy: number; fromDate: string | null; toDate: string | null };

/** Each analysed study against the analysed study before it. */
function changesOf(studies: CourseStudy[]): Change[] {
  const analysed = studies.flatMap((s) => {
    const reading = readingOf(s.report);
    return reading ? [{ study: s, reading }] : [];
  });
  return analysed.slice(1).map(({ study, reading }, i) => {
    const before = analysed[i];
    return {
      fromStudy: before.study.id,
      toStudy: study.id,
      fromDate: before.study.studyDate,
      toDate: study.studyDate,
      ...compareReadings(before.reading, reading, daysBetween(before.study.studyDate, study.studyDate)),
    };
  });
}

/**
 * A list row's change since the patient's analysed study before it, in brief; null when either has no report.
 */
export function sincePrior(
  study: { studyDate: string | null },
  analysis: { status: string; report: unknown } | null,
  prior: { id: number; studyDate: string | null; report: unknown } | null,
) {
  const current = analysis?.status === 'done' ? readingOf(analysis.report) : null;
  const before = prior ? readingOf(prior.report) : null;
  if (!prior || !current || !before) return null;
  const c = compareReadings(before, current, daysBetween(prior.studyDate, study.studyDate));
  return {
    priorStudy: prior.id,
    intervalDays: c.intervalDays,
    trend: c.trend,
    involvementChange: c.involvementPercent.change,
    href: `/api/v1/studies/${prior.id}`,
  };
}

/**
 * The course of the study's patient: all of the patient's studies, oldest first, with each follow-up compared with
 * the one before. A patient's studies all belong to one society (pseudonyms are per society), so reaching the study
 * reaches them all.
 */
export const courseRoute: Route = {
  name: 'course',
  path: '/api/v1/studies/{id}/course',
  async handle(call) {
    const { ctx, scope, res } = call;
    const study = await readableStudy(call);
    const { studies, truncated } = await patientStudies(ctx.pool, study.id);
    const changes = changesOf(studies);
    await audit(ctx.pool, {
      actor: actor(scope),
      action: 'api.study.course',
      studyId: study.id,
      detail: { studies: studies.length },
    });
    const undated = studies.some((s) => !s.studyDate);
    sendJson(res, 200, {
      studyId: study.id,
      society: study.society,
      patient: study.patient,
      truncated,
      order: undated
        ? 'by study date; studies without a date last, in the order they arrived'
        : 'by study date (shifted by one amount per patient, so intervals hold)',
      studies: studies.map((s) => ({
        id: s.id,
        studyUid: s.studyUid,
        studyDate: s.studyDate,
        description: s.description,
        href: `/api/v1/studies/${s.id}`,
        analysis:
          s.analysisId === null
            ? null
            : {
                id: s.analysisId,
                finishedAt: s.finishedAt,
                headline: headline(s.report),
                href: `/api/v1/analyses/${s.analysisId}`,
              },
      })),
      changes,
      sincePrior: changes.find((c) => c.toStudy === study.id) ?? null,
    });
  },
};

const COURSE_COLUMNS = [
  'society',
  'patient',
  'from_study_id',
  'to_study_id',
  'from_date',
  'to_date',
  'interval_days',
  'involvement_prior',
  'involvement_current',
  'involvement_change',
  'right_change',
  'left_change',
  'ggo_ml_change',
  'consolidation_ml_change',
  'consolidation_share_change',
  'severity_prior',
  'severity_current',
  'ct_band_prior',
  'ct_band_current',
  'category_prior',
  'category_current',
  'trend',
  'reasons',
  'warnings',
];

/**
 * The research export of courses: one row per follow-up (each analysed study against the analysed one before it,
 * per patient in scope), read a batch of patients at a time.
 */
export const courseExportRoute: Route = {
  name: 'export-course',
  path: '/api/v1/export/course.csv',
  async handle({ ctx, scope, url, res }) {
    const society = societyFilter(scope, url.searchParams.get('society'));
    const courses = patientCourses(ctx.pool, society);
    // the first batch before the headers: a catalogue that is away is still a clean 503
    const first = await courses.next();
    // audited before any data leaves, as every read is
    await audit(ctx.pool, { actor: actor(scope), action: 'api.export.course', detail: { society } });
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'cache-control': 'no-store',
      'content-disposition': 'attachment; filename="mic-course.csv"',
    });
    res.write(csvLine(COURSE_COLUMNS));
    for (let next = first; !next.done; next = await courses.next()) {
      const { society: s, patient, studies } = next.value;
      for (const c of changesOf(studies)) {
        res.write(
          csvLine([
            s,
            patient,
            c.fromStudy,
            c.toStudy,
            c.fromDate,
            c.toDate,
            c.intervalDays,
            c.involvementPercent.prior,
            c.involvementPercent.current,
            c.involvementPercent.change,
            c.rightPercent.change,
            c.leftPercent.change,
            c.ggoMl.change,
            c.consolidationMl.change,
            c.consolidationShare.change,
            c.severityTotal.prior,
            c.severityTotal.current,
            c.ctBand.prior,
            c.ctBand.current,
            c.category.prior,
            c.category.current,
            c.trend,
            c.reasons.join('; '),
            c.warnings.join('; '),
          ]),
        );
      }
    }
    res.end();
  },
};
