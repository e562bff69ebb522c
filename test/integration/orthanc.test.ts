import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dataPath } from '../support/data.js';
import { orthancAuthHeader, orthancUrl } from '@mic/pacs';
import { config, requireService } from './support/stack.js';

jest.setTimeout(60_000);

async function orthanc(path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(orthancUrl(config) + path, {
    ...init,
    headers: { authorization: orthancAuthHeader(config), ...(init.headers ?? {}) },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`Orthanc ${path}: HTTP ${res.status}`);
  return res.json();
}

/** The SOP Instance UID of a DICOM file, read by dcmtk (independent of the code under test). */
function sopInstanceUid(file: string): string {
  const out = execFileSync('dcmdump', ['+P', '0008,0018', file], { encoding: 'utf8' });
  const m = /\[([0-9.]+)\]/.exec(out);
  if (!m) throw new Error(`no SOPInstanceUID in ${file}: ${out}`);
  return m[1];
}

describe('Orthanc (DICOM + REST + DICOMweb)', () => {
  const dir = dataPath('lidc-partial', 'LIDC-IDRI-0001');
  const file = join(
    dir,
    readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .sort()[0],
  );

  beforeAll(async () => {
    await requireService('orthanc');
  });

  it('accepts a C-STORE from storescu and serves the instance back over REST and DICOMweb', async () => {
    const uid = sopInstanceUid(file);
    // Any calling AE title is accepted by the local Orthanc; the called one must be its own.
    execFileSync(
      'storescu',
      [
        '-aet',
        'MIC_TESTS',
        '-aec',
        config.orthanc.aeTitle,
        config.orthanc.host,
        String(config.orthanc.dicomPort),
        file,
      ],
      { stdio: 'pipe', timeout: 30_000 },
    );
    const found = (await orthanc('/tools/lookup', { method: 'POST', body: uid })) as { ID: string; Type: string }[];
    const instance = found.find((f) => f.Type === 'Instance');
    expect(instance).toBeDefined();
    const tags = (await orthanc(`/instances/${instance!.ID}/simplified-tags`)) as Record<string, string>;
    expect(tags.SOPInstanceUID).toBe(uid);
    expect(tags.Modality).toBe('CT');

    const qido = (await orthanc(`/dicom-web/instances?SOPInstanceUID=${uid}`)) as Record<
      string,
      { Value?: string[] }
    >[];
    expect(qido.map((i) => i['00080018']?.Value?.[0])).toContain(uid);
  });

  it('rejects REST calls without the configured credentials', async () => {
    const res = await fetch(orthancUrl(config) + '/system', { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(401);
  });
});
