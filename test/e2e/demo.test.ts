import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { loadConfig } from '@mic/config';
import { dataPath, repoRoot } from '../support/data.js';
import { requireService } from '../integration/support/stack.js';
import { dcmValue, deleteFromOrthanc, orthanc } from '../integration/support/ingest.js';

jest.setTimeout(180_000);

// `mic demo` as a user runs it (built CLI, `npx tsc -b` first), on a 12-slice LIDC slab instead of the RICORD CT.
const config = loadConfig();
const seriesDir = dataPath('lidc-partial', 'LIDC-IDRI-0002');
const studyUid = dcmValue(join(seriesDir, '-80.750000.dcm'), '0020,000d');
const out = mkdtempSync(join(tmpdir(), 'mic-demo-'));

function mic(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'mic.js'), ...args],
      { cwd: repoRoot, timeout: 170_000, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('mic demo', () => {
  beforeAll(async () => {
    for (const s of ['postgres', 'redis', 'orthanc', 's3'] as const) await requireService(s);
  });
  afterAll(async () => {
    await deleteFromOrthanc(config, studyUid);
    rmSync(out, { recursive: true, force: true });
  });

  it('refuses a missing series folder with one line before starting anything', async () => {
    const r = await mic(['demo', '--series-dir', join(out, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`mic: demo: series folder not found: ${join(out, 'nowhere')}`]);
  });

  it('sends a study to Orthanc, waits for SEG + SR there, prints the results and downloads them', async () => {
    const r = await mic(['demo', '--series-dir', seriesDir, '--out', out, '--timeout', '150']);
    // stderr holds the stack scripts' notes only, never an error line
    expect({ code: r.code, errors: r.stderr.split('\n').filter((l) => !l.startsWith('[stack] ') && l) }).toEqual({
      code: 0,
      errors: [],
    });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.lung.total.volumeMl).toBeGreaterThan(50);
    expect(r.stdout).toContain(`lungs: right ${report.lung.right.volumeMl} mL, left ${report.lung.left.volumeMl} mL`);
    expect(r.stdout).toContain(`RSNA typicality: ${report.typicality.category}`);
    expect(r.stdout).toContain(`results/`);
    for (const png of ['axial.png', 'coronal.png'])
      expect(readFileSync(join(out, png)).subarray(1, 4).toString()).toBe('PNG');
    for (const dcm of ['seg.dcm', 'sr.dcm'])
      expect(readFileSync(join(out, dcm)).toString('latin1', 128, 132)).toBe('DICM');
    // the original study in Orthanc holds the CT, one SEG and one SR
    const [study] = (await orthanc(config, '/tools/lookup', { method: 'POST', body: studyUid })) as { ID: string }[];
    const series = (await orthanc(config, `/studies/${study.ID}/series`)) as {
      MainDicomTags: { Modality: string };
      Instances: string[];
    }[];
    const count = (m: string) =>
      series.filter((s) => s.MainDicomTags.Modality === m).flatMap((s) => s.Instances).length;
    expect([count('CT'), count('SEG'), count('SR')]).toEqual([12, 1, 1]);
    expect(r.stdout).toContain(study.ID);
  });
});
