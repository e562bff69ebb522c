import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadConfig, type Config } from '@mic/config';
import { dataPath } from '../../support/data.js';
import { orthancJson, stowBody } from '@mic/pacs';
import { accessToken } from './stack.js';

/** A config whose catalogue schema, queue prefix and change-feed source belong to this test run only. */
export async function isolatedConfig(overrides: Record<string, Record<string, unknown>> = {}): Promise<Config> {
  const tag = randomBytes(4).toString('hex');
  const port = await freePort();
  const base = loadConfig();
  return loadConfig({
    overrides: {
      ...overrides,
      catalog: { schema: `it_ingest_${tag}`, ...overrides.catalog },
      queue: { prefix: `it-ingest-${tag}`, ...overrides.queue },
      ingest: {
        port,
        source: `it-orthanc-${tag}`,
        startAt: 'now',
        pollMs: 200,
        settleSeconds: 1,
        ...overrides.ingest,
      },
      logLevel: base.logLevel === 'info' ? 'warn' : base.logLevel,
    },
  });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `ms` with what it waited for. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function lidcFiles(patient: string): string[] {
  const dir = dataPath('lidc-partial', patient);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => join(dir, f));
}

/** Attribute values read by dcmtk, independently of the code under test. */
export function dcmValue(file: string, tag: string): string {
  const out = execFileSync('dcmdump', ['+P', tag, file], { encoding: 'utf8' });
  const m = /\[([^\]]*)\]/.exec(out);
  if (!m) throw new Error(`no ${tag} in ${file}`);
  return m[1];
}

export const orthanc = (config: Config, path: string, init: RequestInit = {}): Promise<unknown> =>
  orthancJson(config, path, init, 15_000);

/** Removes a study from Orthanc (if there), so that sending it again makes fresh changes. */
export async function deleteFromOrthanc(config: Config, studyUid: string): Promise<void> {
  const found = (await orthanc(config, '/tools/lookup', { method: 'POST', body: studyUid })) as { ID: string }[];
  for (const f of found) await orthanc(config, `/studies/${f.ID}`, { method: 'DELETE' });
}

/** C-STORE with dcmtk, asynchronously: ingest runs in this same process and must keep working meanwhile. */
export async function storescu(config: Config, files: string[]): Promise<void> {
  const { host, dicomPort, aeTitle } = config.orthanc;
  await promisify(execFile)('storescu', ['-aet', 'MIC_TESTS', '-aec', aeTitle, host, String(dicomPort), ...files], {
    timeout: 60_000,
  });
}

export async function orthancLastSeq(config: Config): Promise<number> {
  return ((await orthanc(config, '/changes?last')) as { Last: number }).Last;
}

/**
 * POSTs files to the STOW-RS endpoint as multipart/related with a bearer token (member-a's unless given; null sends
 * none); returns the status and the DICOM JSON (or JSON error) answer.
 */
export async function stow(
  port: number,
  parts: Uint8Array[],
  opts: { query?: string; token?: string | null } = {},
): Promise<{ status: number; body: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }> }> {
  const token = opts.token === undefined ? await accessToken() : opts.token;
  const { body, contentType } = stowBody(parts);
  const res = await fetch(`http://127.0.0.1:${port}/dicomweb/studies${opts.query ?? ''}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as never };
}

export const read = (file: string): Uint8Array => new Uint8Array(readFileSync(file));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Orthanc's id for a study: SHA-1 of "PatientID|StudyInstanceUID" in five groups of eight hex digits. */
export function orthancStudyId(patientId: string, studyUid: string): string {
  const hex = createHash('sha1').update(`${patientId}|${studyUid}`).digest('hex');
  return hex.match(/.{8}/g)!.join('-');
}
