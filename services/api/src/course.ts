import { compareReadings, daysBetween, readingOf, type Comparison } from '@mic/analysis';
import { audit, patientStudies, type CourseStudy } from '@mic/catalog';
import { actor, readableStudy, type Route } from './call.js';
import { sendJson } from './http.js';
import { headline } from './report.js';

type Change = Comparison & { fromStudy: number; toStudy: number };

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
      ...compareReadings(before.reading, reading, daysBetween(before.study.studyDate, study.studyDate)),
    };
  });
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
