import { pipeline } from 'node:stream/promises';
import { analysesOfStudy, audit, browseStudies, finishedAnalyses, studyTimeline, type AnalysisRow } from '@mic/catalog';
import { societyFilter } from './access.js';
import { actor, idParam, readableAnalysis, readableStudy, type Route } from './call.js';
import { courseExportRoute, courseRoute, sincePrior } from './course.js';
import { HttpError, intParam, percentParam, sendJson } from './http.js';
import { csvLine, headline } from './report.js';
import { categoryParam, statsRoute } from './stats.js';
import { usageRoute } from './usage.js';

export type { Call, Route } from './call.js';

const filePath = (a: AnalysisRow, name: string) => `/api/v1/analyses/${a.id}/files/${encodeURIComponent(name)}`;

function analysisView(a: AnalysisRow) {
  return {
    ...a,
    headline: headline(a.report),
    artifacts: a.artifacts.map(({ kind, name, sha256, mediaType }) => ({
      kind,
      name,
      sha256,
      mediaType,
      href: filePath(a, name),
    })),
  };
}

const EXPORT_COLUMNS = [
  'study_id',
  'society',
  'patient',
  'study_uid',
  'study_date',
  'series_uid',
  'series_description',
  'analysis_id',
  'analysis_version',
  'finished_at',
  'right_lung_ml',
  'left_lung_ml',
  'ggo_ml',
  'consolidation_ml',
  'involvement_percent',
  'right_involvement_percent',
  'left_involvement_percent',
  'severity_total',
  'severity_max',
  'ct_band',
  'typicality',
  'typicality_reasons',
  'engine_versions',
];

export const routes: Route[] = [
  {
    name: 'me',
    path: '/api/v1/me',
    edge: true,
    async handle({ scope, res }) {
      sendJson(res, 200, {
        user: scope.who,
        roles: scope.roles,
        society: scope.society,
        scope: scope.uploadsOnly ? 'own uploads' : (scope.society ?? 'all'),
      });
    },
  },
  {
    name: 'studies',
    path: '/api/v1/studies',
    async handle({ ctx, scope, url, res }) {
      const society = societyFilter(scope, url.searchParams.get('society'));
      const category = categoryParam(url);
      const minInvolvement = percentParam(url, 'minInvolvement');
      const maxInvolvement = percentParam(url, 'maxInvolvement');
      const limit = intParam(url, 'limit', 50, 1, 500);
      const offset = intParam(url, 'offset', 0, 0, 10_000_000);
      const filters = { society, category, minInvolvement, maxInvolvement };
      const page = await browseStudies(ctx.pool, { ...filters, limit, offset });
      await audit(ctx.pool, {
        actor: actor(scope),
        action: 'api.studies.list',
        detail: { ...filters, limit, offset },
      });
      sendJson(res, 200, {
        total: page.total,
        limit,
        offset,
        studies: page.studies.map(({ analysis, prior, ...s }) => ({
          ...s,
          sincePrior: sincePrior(s, analysis, prior),
          href: `/api/v1/studies/${s.id}`,
          analysis: analysis && {
            id: analysis.id,
            status: analysis.status,
            finishedAt: analysis.finishedAt,
            headline: headline(analysis.report),
            href: `/api/v1/analyses/${analysis.id}`,
          },
        })),
      });
    },
  },
  {
    name: 'study',
    path: '/api/v1/studies/{id}',
    async handle(call) {
      const { ctx, scope, res } = call;
      const study = await readableStudy(call);
      const analyses = await analysesOfStudy(ctx.pool, study.id);
      await audit(ctx.pool, { actor: actor(scope), action: 'api.study.read', studyId: study.id });
      sendJson(res, 200, { ...study, analyses: analyses.map(analysisView) });
    },
  },
  {
    // One series and its analyses: where a STOW-RS answer points the uploader (the edge polls it for results).
    name: 'series',
    path: '/api/v1/studies/{id}/series/{seriesId}',
    edge: true,
    async handle(call) {
      const { ctx, scope, res } = call;
      const study = await readableStudy(call);
      const seriesId = idParam(call.params.seriesId, 'series');
      const found = study.series.find((s) => s.id === seriesId);
      if (!found) throw new HttpError(404, `study ${study.id} has no series ${seriesId}`);
      const { analyses: _jobs, ...series } = found;
      const analyses = (await analysesOfStudy(ctx.pool, study.id)).filter((a) => a.seriesUid === series.seriesUid);
      await audit(ctx.pool, {
        actor: actor(scope),
        action: 'api.series.read',
        studyId: study.id,
        detail: { series: seriesId },
      });
      sendJson(res, 200, { studyId: study.id, studyUid: study.studyUid, series, analyses: analyses.map(analysisView) });
    },
  },
  {
    name: 'timeline',
    path: '/api/v1/studies/{id}/timeline',
    async handle(call) {
      const { ctx, scope, res } = call;
      const study = await readableStudy(call);
      const timeline = await studyTimeline(ctx.pool, study.id);
      await audit(ctx.pool, { actor: actor(scope), action: 'api.study.timeline', studyId: study.id });
      sendJson(res, 200, { studyId: study.id, ...timeline });
    },
  },
  {
    name: 'analysis',
    path: '/api/v1/analyses/{id}',
    edge: true,
    async handle(call) {
      const a = await readableAnalysis(call);
      await audit(call.ctx.pool, {
        actor: actor(call.scope),
        action: 'api.analysis.read',
        studyId: a.studyId,
        detail: { analysis: a.id },
      });
      sendJson(call.res, 200, analysisView(a));
    },
  },
  {
    name: 'file',
    path: '/api/v1/analyses/{id}/files/{name}',
    edge: true,
    async handle(call) {
      const a = await readableAnalysis(call);
      const file = a.artifacts.find((f) => f.name === call.params.name);
      if (!file) throw new HttpError(404, `analysis ${a.id} has no file ${call.params.name}`);
      const { ctx, res } = call;
      // Opened before the audit entry and the headers, so a missing object or a store away is still a clean error.
      const body = await ctx.s3.getObject(ctx.config.s3.bucket, file.objectKey).catch((err: { code?: string }) => {
        if (err.code === 'NoSuchKey' || err.code === 'NotFound')
          throw new HttpError(502, `${file.name} of analysis ${a.id} is catalogued but missing from the object store`);
        throw err;
      });
      await audit(ctx.pool, {
        actor: actor(call.scope),
        action: 'api.file.read',
        studyId: a.studyId,
        detail: { analysis: a.id, file: file.name },
      });
      res.writeHead(200, {
        'content-type': file.mediaType,
        etag: `"${file.sha256}"`,
        'cache-control': 'private, no-store',
        'content-disposition': `${file.mediaType.startsWith('image/') ? 'inline' : 'attachment'}; filename="${file.name}"`,
        'x-content-type-options': 'nosniff',
      });
      await pipeline(body, res);
    },
  },
  {
    name: 'export',
    path: '/api/v1/export/results.csv',
    async handle({ ctx, scope, url, res }) {
      const society = societyFilter(scope, url.searchParams.get('society'));
      const rows = await finishedAnalyses(ctx.pool, society);
      await audit(ctx.pool, { actor: actor(scope), action: 'api.export', detail: { society, rows: rows.length } });
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'cache-control': 'no-store',
        'content-disposition': 'attachment; filename="mic-results.csv"',
      });
      res.write(csvLine(EXPORT_COLUMNS));
      for (const r of rows) {
        const h = headline(r.report);
        res.write(
          csvLine([
            r.studyId,
            r.society,
            r.patient,
            r.studyUid,
            r.studyDate,
            r.seriesUid,
            r.seriesDescription,
            r.id,
            r.analysisVersion,
            r.finishedAt,
            h?.rightLungMl,
            h?.leftLungMl,
            h?.ggoMl,
            h?.consolidationMl,
            h?.involvementPercent,
            h?.rightInvolvementPercent,
            h?.leftInvolvementPercent,
            h?.severityTotal,
            h?.severityMax,
            h?.ctBand,
            h?.category,
            h?.reasons.join('; '),
            r.versions,
          ]),
        );
      }
      res.end();
    },
  },
  courseRoute,
  courseExportRoute,
  statsRoute,
  usageRoute,
];

const compiled = routes.map((r) => {
  const names: string[] = [];
  const source = r.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { route: r, regex: new RegExp(`^${source}$`), names };
});

/** The route a path names, with its decoded parameters; undefined for none. */
export function match(path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const c of compiled) {
    const m = c.regex.exec(path);
    if (!m) continue;
    try {
      return { route: c.route, params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
    } catch {
      throw new HttpError(400, 'malformed percent-encoding in the path');
    }
  }
  return undefined;
}
