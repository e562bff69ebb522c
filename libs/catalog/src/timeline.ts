import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

/** One step in a study's way through the platform. */
export interface TimelineEvent {
  at: string;
  event: string;
  seriesUid?: string;
  analysisId?: number;
  detail?: string;
}

/** The study's trace: every timestamp the catalogue keeps for it, oldest first, and the durations that matter. */
export interface StudyTimeline {
  events: TimelineEvent[];
  /** Seconds, per analysis: last instance stored -> job queued -> analysis started -> finished -> results sent. */
  durations: {
    analysisId: number;
    waitForCompleteS: number | null;
    queuedS: number | null;
    analysisS: number | null;
    writeBackS: number | null;
    arrivalToResultS: number | null;
  }[];
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : null);
const seconds = (from: unknown, to: unknown) =>
  from instanceof Date && to instanceof Date ? (to.getTime() - from.getTime()) / 1000 : null;

export async function studyTimeline(db: Db, studyId: number): Promise<StudyTimeline> {
  const [study, series, analyses, writebacks] = await Promise.all([
    db.query('SELECT created_at FROM studies WHERE id = $1', [studyId]),
    db.query(
      `SELECT s.id, s.series_uid, count(i.id) AS n, min(i.created_at) AS first, max(i.created_at) AS last
       FROM series s LEFT JOIN instances i ON i.series_id = s.id WHERE s.study_id = $1 GROUP BY s.id ORDER BY s.id`,
      [studyId],
    ),
    db.query(
      `SELECT a.id, a.series_id, a.lane, a.status, a.error, a.created_at, a.enqueued_at, a.started_at, a.finished_at
       FROM analyses a JOIN series s ON s.id = a.series_id WHERE s.study_id = $1 ORDER BY a.id`,
      [studyId],
    ),
    db.query(
      `SELECT w.analysis_id, w.kind, w.target, w.status, w.sent_at, w.attempts, w.last_error
       FROM writebacks w JOIN analyses a ON a.id = w.analysis_id JOIN series s ON s.id = a.series_id
       WHERE s.study_id = $1 ORDER BY w.analysis_id, w.kind`,
      [studyId],
    ),
  ]);
  const events: TimelineEvent[] = [];
  const add = (at: unknown, e: Omit<TimelineEvent, 'at'>) => {
    const when = iso(at);
    if (when) events.push({ at: when, ...e });
  };
  add(study.rows[0]?.created_at, { event: 'study catalogued' });
  const seriesUid = new Map(series.rows.map((s) => [Number(s.id), s.series_uid as string]));
  for (const s of series.rows) {
    if (Number(s.n) === 0) continue;
    add(s.first, { event: 'first instance stored', seriesUid: s.series_uid });
    add(s.last, { event: `last instance stored (${Number(s.n)} in all)`, seriesUid: s.series_uid });
  }
  for (const a of analyses.rows) {
    const ids = { seriesUid: seriesUid.get(Number(a.series_id)), analysisId: Number(a.id) };
    add(a.created_at, { event: `analysis recorded (${a.lane} lane)`, ...ids });
    add(a.enqueued_at, { event: 'job queued', ...ids });
    add(a.started_at, { event: 'analysis started', ...ids });
    add(a.finished_at, {
      event: a.status === 'failed' ? 'analysis failed' : 'analysis finished',
      ...ids,
      ...(a.error ? { detail: a.error as string } : {}),
    });
  }
  for (const w of writebacks.rows) {
    if (w.status !== 'sent') continue;
    add(w.sent_at, {
      event: `${(w.kind as string).toUpperCase()} sent to ${w.target}`,
      analysisId: Number(w.analysis_id),
    });
  }
  events.sort((x, y) => x.at.localeCompare(y.at));
  const durations = analyses.rows.map((a) => {
    const last = series.rows.find((s) => Number(s.id) === Number(a.series_id))?.last;
    const sent = writebacks.rows
      .filter((w) => Number(w.analysis_id) === Number(a.id) && w.sent_at)
      .map((w) => w.sent_at as Date)
      .sort((x, y) => y.getTime() - x.getTime())[0];
    const result = sent ?? a.finished_at;
    return {
      analysisId: Number(a.id),
      waitForCompleteS: seconds(last, a.enqueued_at),
      queuedS: seconds(a.enqueued_at, a.started_at),
      analysisS: seconds(a.started_at, a.finished_at),
      writeBackS: seconds(a.finished_at, sent),
      arrivalToResultS: a.status === 'done' ? seconds(last, result) : null,
    };
  });
  return { events, durations };
}
