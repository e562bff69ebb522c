import { execFile } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '@mic/config';
import { parseDicom } from '@mic/dicom';
import { orthancAuthHeader, orthancUrl } from '../stack/probes.js';

/** The DICOM files of one study on disk, with the study's original UID (read from the first file). */
export interface SeriesOnDisk {
  dir: string;
  files: string[];
  studyUid: string;
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
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .filter(isPart10)
    .sort();
  if (files.length === 0) throw new Error(`no DICOM files in ${dir}`);
  let studyUid: unknown;
  try {
    studyUid = parseDicom(new Uint8Array(readFileSync(files[0]))).dataset.StudyInstanceUID;
  } catch (err) {
    throw new Error(`${files[0]} is not a DICOM file: ${(err as Error).message}`);
  }
  if (typeof studyUid !== 'string' || !studyUid) throw new Error(`${files[0]} has no StudyInstanceUID`);
  return { dir, files, studyUid };
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

export async function orthancJson(config: Config, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(orthancUrl(config) + path, {
    ...init,
    headers: { authorization: orthancAuthHeader(config), ...(init.headers ?? {}) },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`Orthanc ${init.method ?? 'GET'} ${path}: HTTP ${res.status}`);
  return res.json();
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

/** C-STORE with dcmtk's storescu to Orthanc's DICOM port (the AE title from the config), asynchronously. */
export async function storescu(config: Config, files: string[], callingAe = 'MIC_DEMO'): Promise<void> {
  const { host, dicomPort, aeTitle } = config.orthanc;
  try {
    await promisify(execFile)('storescu', ['-aet', callingAe, '-aec', aeTitle, host, String(dicomPort), ...files], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('storescu not found: install dcmtk (infra/local/packages.sh)');
    const detail = (e.stderr ?? e.message).trim().split('\n').slice(-1)[0];
    throw new Error(`storescu to ${aeTitle}@${host}:${dicomPort} failed: ${detail}`);
  }
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
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
