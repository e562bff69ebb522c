import type { ServerResponse } from 'node:http';
import { analysisById, getStudy, uploadedBy, type AnalysisRow } from '@mic/catalog';
import { covers, type Scope } from './access.js';
import type { ApiContext } from './context.js';
import { HttpError } from './http.js';

export interface Call {
  ctx: ApiContext;
  scope: Scope;
  url: URL;
  params: Record<string, string>;
  res: ServerResponse;
}

export interface Route {
  /** Names the route in metrics and audit entries. */
  name: string;
  /** OpenAPI path template; `{x}` matches one path segment. */
  path: string;
  /** Also open to a society's edge, for the series it uploaded itself. */
  edge?: boolean;
  handle(call: Call): Promise<void>;
}

export const actor = (scope: Scope) => `user:${scope.who}`;

export function idParam(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, `${what} id must be a number`);
  return Number(value);
}

/** Whether the scope reaches a study: its society, and for an edge only what the edge uploaded itself. */
async function reaches(call: Call, study: { id: number; society: string }): Promise<boolean> {
  if (!covers(call.scope, study.society)) return false;
  return !call.scope.uploadsOnly || uploadedBy(call.ctx.pool, study.id, actor(call.scope));
}

/** An analysis the caller may read, or 404 (also when it belongs to another society). */
export async function readableAnalysis(call: Call): Promise<AnalysisRow> {
  const id = idParam(call.params.id, 'analysis');
  const a = await analysisById(call.ctx.pool, id);
  if (!a || !(await reaches(call, { id: a.studyId, society: a.society })))
    throw new HttpError(404, `no analysis ${id}`);
  return a;
}

/** A study the caller may read, by catalogue id or de-identified UID, or 404 (also for another society's). */
export async function readableStudy(call: Call) {
  const { id } = call.params;
  const study = /^\d{16,}$/.test(id) ? undefined : await getStudy(call.ctx.pool, id);
  if (!study || !(await reaches(call, study))) throw new HttpError(404, `no study ${id}`);
  return study;
}
