import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Config } from '@mic/config';
import type { Pool } from '@mic/catalog';
import { parseDicom, pseudonymUid } from '@mic/dicom';
import { orthancJson } from '@mic/pacs';
import { filesUnder } from '../files.js';

/** The DICOM files of one study on disk, with the study's original UID (read from the first file). */
export interface SeriesOnDisk {
  dir: string;
  files: string[];
  studyUid: string;
  /** Transfer syntax of the first file: storescu must propose it, as it does not decompress. */
  transferSyntaxUid: string;
}

/** Part 10 files carry "DICM" after a 128-byte preamble; anything else in the folder (notes, XML) is left out. */
function isPart10(file: string): boolean {
  const head = Buffer.alloc(132);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, head, 0, 132, 0) === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } finally {
    closeSync(fd);
  }
}

export function readSeriesDir(dir: string): SeriesOnDisk {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`series folder not found: ${dir}`);
  let files: string[];
  try {
    files = filesUnder(dir).filter(isPart10);
  } catch (err) {
    throw new Error(`cannot read the series folder ${dir}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new Error(`no DICOM files in ${dir}`);
  let first;
  try {
    first = parseDicom(new Uint8Array(readFileSync(files[0])));
  } catch (err) {
    throw new Error(`${files[0]} is not a DICOM file: ${(err as Error).message}`);
  }
  const studyUid = first.dataset.StudyInstanceUID;
  if (typeof studyUid !== 'string' || !studyUid) throw new Error(`${files[0]} has no StudyInstanceUID`);
  return { dir, files, studyUid, transferSyntaxUid: first.transferSyntaxUid };
}

/**
 * A config whose catalogue schema, queue prefix and change-feed source are `tag`'s own, so a run never picks up
 * another run's backlog; ingest starts at the end of Orthanc's change feed and takes a study as complete after
 * `settleSeconds` quiet seconds (Orthanc's own StableAge is 60 s). Service ports come from `ports`.
 */
export function pipelineConfig(
  base: Config,
  tag: string,
  settleSeconds: number,
  ports: { ingest: number; worker: number },
): Config {
  return {
    ...base,
    catalog: { ...base.catalog, schema: tag.replace(/-/g, '_') },
    queue: { ...base.queue, prefix: tag },
    ingest: {
      ...base.ingest,
      source: `orthanc-${tag}`,
      startAt: 'now',
      pollMs: 200,
      settleSeconds,
      port: ports.ingest,
    },
    worker: { ...base.worker, port: ports.worker },
  };
}

/** Orthanc's ids of the study with this Study Instance UID (none when absent). */
async function studyIds(config: Config, studyUid: string): Promise<string[]> {
  const found = (await orthancJson(config, '/tools/lookup', { method: 'POST', body: studyUid })) as {
    ID: string;
    Type: string;
  }[];
  return found.filter((f) => f.Type === 'Study').map((f) => f.ID);
}

/** Removes the study from Orthanc, so that sending it again makes fresh changes on the feed. */
export async function deleteStudy(config: Config, studyUid: string): Promise<boolean> {
  const ids = await studyIds(config, studyUid);
  for (const id of ids) await orthancJson(config, `/studies/${id}`, { method: 'DELETE' });
  return ids.length > 0;
}

/** The latest analysis of a study (by its original Study Instance UID) and the Orthanc ids of its sent SEG/SR. */
export interface StudyAnalysis {
  /** The study's catalogue id. */
  studyId: number;
  jobId: string;
  status: string;
  error: string | null;
  result: unknown;
  analyses: number;
  sent: { kind: string; remoteId: string }[];
}

export async function studyAnalysis(pool: Pool, config: Config, studyUid: string): Promise<StudyAnalysis | undefined> {
  const { rows } = await pool.query(
    `SELECT a.id, st.id AS study_id, a.job_id, a.status, a.error, a.result, count(*) OVER () AS analyses
     FROM analyses a
     JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
     WHERE st.study_uid = $1 ORDER BY a.id DESC LIMIT 1`,
    [pseudonymUid(config.ingest.societyKey, studyUid)],
  );
  const a = rows[0];
  if (!a) return undefined;
  const sent = await pool.query(
    `SELECT kind, remote_id FROM writebacks WHERE analysis_id = $1 AND status = 'sent' ORDER BY kind`,
    [a.id],
  );
  return {
    studyId: Number(a.study_id),
    jobId: a.job_id,
    status: a.status,
    error: a.error,
    result: a.result,
    analyses: Number(a.analyses),
    sent: sent.rows.map((r) => ({ kind: r.kind, remoteId: r.remote_id })),
  };
}

/**
 * The analysis once done with its SEG and SR present in Orthanc (this run's own, by the instance ids the worker got
 * back: another pipeline following the same Orthanc may return its own); throws when the analysis failed.
 */
export async function resultsBack(pool: Pool, config: Config, studyUid: string): Promise<StudyAnalysis | undefined> {
  const a = await studyAnalysis(pool, config, studyUid);
  if (a?.status === 'failed') throw new AnalysisFailed(`analysis ${a.jobId} failed: ${a.error}`);
  if (a?.status !== 'done' || a.sent.length < 2) return undefined;
  for (const { remoteId } of a.sent) await orthancJson(config, `/instances/${remoteId}`);
  return a;
}

export class AnalysisFailed extends Error {}

/** SEG and SR instance ids Orthanc holds in the study, and its Orthanc id. */
export async function derivedInOrthanc(
  config: Config,
  studyUid: string,
): Promise<{ studyId?: string; seg: string[]; sr: string[]; ct: number }> {
  const [studyId] = await studyIds(config, studyUid);
  if (!studyId) return { seg: [], sr: [], ct: 0 };
  const series = (await orthancJson(config, `/studies/${studyId}/series`)) as {
    MainDicomTags: { Modality?: string };
    Instances: string[];
  }[];
  const of = (m: string) => series.filter((s) => s.MainDicomTags.Modality === m).flatMap((s) => s.Instances);
  return { studyId, seg: of('SEG'), sr: of('SR'), ct: of('CT').length };
}

// storescu proposes uncompressed syntaxes unless told otherwise (it does not decompress).
const PROPOSE: Record<string, string> = {
  '1.2.840.10008.1.2.4.57': '-xs',
  '1.2.840.10008.1.2.4.70': '-xs',
  '1.2.840.10008.1.2.4.50': '-xy',
  '1.2.840.10008.1.2.4.51': '-xx',
  '1.2.840.10008.1.2.4.90': '-xv',
  '1.2.840.10008.1.2.4.91': '-xw',
  '1.2.840.10008.1.2.5': '-xr',
};

/**
 * C-STORE with dcmtk's storescu to Orthanc's DICOM port (the AE title from the config), asynchronously. Resolves with
 * the time of the last successful store response (when Orthanc had stored the last instance) and the longest pause
 * between two responses (a pause longer than ingest's quiet period splits the study).
 */
export function storescu(
  config: Config,
  series: SeriesOnDisk,
  callingAe = 'MIC_DEMO',
): Promise<{ stored: number; lastStoredAt: number; maxGapMs: number }> {
  const { host, dicomPort, aeTitle } = config.orthanc;
  const propose = PROPOSE[series.transferSyntaxUid] ? [PROPOSE[series.transferSyntaxUid]] : [];
  const args = [...propose, '-v', '-aet', callingAe, '-aec', aeTitle, host, String(dicomPort), ...series.files];
  return new Promise((resolve, reject) => {
    const child = spawn('storescu', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stored = 0;
    let lastStoredAt = 0;
    let maxGapMs = 0;
    let lastError = '';
    let rest = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('Received Store Response (Success)')) {
          const at = Date.now();
          if (stored++) maxGapMs = Math.max(maxGapMs, at - lastStoredAt);
          lastStoredAt = at;
        } else if (line.startsWith('E: ')) lastError = line.slice(3);
      }
    });
    const timer = setTimeout(() => child.kill(), 600_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error('storescu not found: install dcmtk (infra/local/packages.sh)') : err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stored, lastStoredAt, maxGapMs });
      else reject(new Error(`storescu to ${aeTitle}@${host}:${dicomPort} failed: ${lastError || `exit ${code}`}`));
    });
  });
}

/** Polls `probe` every `everyMs` until it returns a value, or throws after the deadline with what it waited for. */
export async function waitUntil<T>(
  what: string,
  deadline: number,
  probe: () => Promise<T | undefined>,
  everyMs = 250,
): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof AnalysisFailed) throw err;
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
