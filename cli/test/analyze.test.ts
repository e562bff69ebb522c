import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@mic/cli';
import { parseDicom, type Dataset } from '@mic/dicom';
import { dataPath } from '../../test/support/data.js';
import { dciodvfy } from '../../test/support/dciodvfy.js';

const list = (v: unknown): Dataset[] => (Array.isArray(v) ? v : [v]) as Dataset[];

/** Runs `mic analyze` in-process; returns the exit code, stdout and the output folder. */
async function analyze(input: string): Promise<{ code: number; out: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mic-analyze-'));
  const sink: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => (sink.push(String(c)), true));
  try {
    const code = await run(['node', 'mic', 'analyze', input, '--out', dir]);
    return { code, out: sink.join(''), dir };
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

describe('mic analyze on an LIDC slab (healthy lungs, DICOM input)', () => {
  const src = dataPath('lidc-partial', 'LIDC-IDRI-0002');
  let dir: string;
  let report: Record<string, any>;
  let sources: string[];
  beforeAll(async () => {
    const r = await analyze(src);
    expect(r.code).toBe(0);
    dir = r.dir;
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    sources = readdirSync(src)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => parseDicom(new Uint8Array(readFileSync(join(src, f)))).sopInstanceUid);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes seg.dcm and sr.dcm that pass dciodvfy without errors', () => {
    for (const f of ['seg.dcm', 'sr.dcm']) {
      expect(existsSync(join(dir, f))).toBe(true);
      const { errors, warnings } = dciodvfy(join(dir, f));
      expect(errors).toEqual([]);
      // LIDC has no Study Time/ID (DICOMDIR hints); 99MIC is the project's coding scheme.
      for (const line of warnings) expect(line).toMatch(/DICOMDIR|99MIC/);
    }
  });

  it('SEG has the four segments and references every source slice', () => {
    const seg = parseDicom(new Uint8Array(readFileSync(join(dir, 'seg.dcm')))).dataset;
    expect(seg.Modality).toBe('SEG');
    expect(list(seg.SegmentSequence).map((s) => s.SegmentLabel)).toEqual([
      'Right lung',
      'Left lung',
      'Ground glass opacity',
      'Consolidation',
    ]);
    const refs = list(list(seg.ReferencedSeriesSequence)[0].ReferencedInstanceSequence).map(
      (r) => r.ReferencedSOPInstanceUID,
    );
    expect(new Set(refs)).toEqual(new Set(sources));
  });

  it('SR references the SEG and the source slices and carries the report figures', () => {
    const segUid = parseDicom(new Uint8Array(readFileSync(join(dir, 'seg.dcm')))).sopInstanceUid;
    const sr = parseDicom(new Uint8Array(readFileSync(join(dir, 'sr.dcm')))).dataset;
    expect(sr.Modality).toBe('SR');
    const evidence = list(list(sr.CurrentRequestedProcedureEvidenceSequence)[0].ReferencedSeriesSequence).flatMap((s) =>
      list(s.ReferencedSOPSequence).map((r) => r.ReferencedSOPInstanceUID),
    );
    for (const uid of [segUid, ...sources]) expect(evidence).toContain(uid);
    const json = JSON.stringify(sr);
    expect(json).toContain('mic-analysis');
    expect(json).toContain(String(report.lung.right.volumeMl));
    expect(json).toContain('Negative for pneumonia');
  });

  it('healthy lungs come out negative for pneumonia with near-zero involvement', () => {
    expect(report.typicality.category).toBe('negative');
    expect(report.involvement.percent).toBeLessThan(1);
    expect(report.severity.mosmed).toBe('CT-0');
  });
});
