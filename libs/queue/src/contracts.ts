/** The two lanes: clinical work (PACS auto-analysis) always goes before research and backfill. */
export type Lane = 'clinical' | 'research';
export const LANES: readonly Lane[] = ['clinical', 'research'];

// One queue, two BullMQ priorities (lower runs first): a waiting clinical job is always taken before any research job,
// without a worker having to juggle two queues.
export const LANE_PRIORITY: Record<Lane, number> = { clinical: 1, research: 1000 };

/** Analyse one series of one study. Everything a worker needs without asking ingest. */
export interface AnalysisJob {
  /** Catalogue ids. */
  studyId: number;
  seriesId: number;
  /** De-identified UIDs. */
  studyUid: string;
  seriesUid: string;
  society: string;
  bucket: string;
  /** Object keys of the de-identified instances, in instance-number order. */
  objectKeys: string[];
  lane: Lane;
  analysisVersion: string;
  /** 1 for the first complete instance set of the series; each amendment (late instances) takes the next. */
  revision: number;
  /** Study correlation id for logs. */
  correlationId: string;
}

export interface AnalysisProgress {
  stage: string;
  /** 0..100 */
  percent: number;
}

/** A job that failed every attempt, as kept in the dead-letter queue. */
export interface DeadLetter {
  jobId: string;
  queue: string;
  data: AnalysisJob;
  failedReason: string;
  attemptsMade: number;
  failedAt: string;
}

/** Same study, series, analysis version and revision: same job id, so BullMQ keeps one. */
export function analysisJobId(job: Pick<AnalysisJob, 'studyId' | 'seriesId' | 'analysisVersion' | 'revision'>): string {
  const version = job.analysisVersion.replace(/[^A-Za-z0-9._-]/g, '_');
  return `analysis-${job.studyId}-${job.seriesId}-v${version}-r${job.revision}`;
}

/** Checks a payload read back from Redis: throws with the first problem found. */
export function parseAnalysisJob(data: unknown): AnalysisJob {
  const d = data as Record<string, unknown>;
  const problem = (field: string) => new Error(`invalid analysis job: ${field}`);
  if (!d || typeof d !== 'object') throw problem('not an object');
  for (const f of ['studyId', 'seriesId', 'revision'])
    if (!Number.isInteger(d[f]) || (d[f] as number) < 0) throw problem(f);
  for (const f of ['studyUid', 'seriesUid', 'society', 'bucket', 'analysisVersion', 'correlationId'])
    if (typeof d[f] !== 'string' || d[f] === '') throw problem(f);
  if (!LANES.includes(d.lane as Lane)) throw problem('lane');
  if (!Array.isArray(d.objectKeys) || d.objectKeys.length === 0 || d.objectKeys.some((k) => typeof k !== 'string'))
    throw problem('objectKeys');
  return d as unknown as AnalysisJob;
}
