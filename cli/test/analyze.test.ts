import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@mic/cli';
import { parseDicom, readNifti, type Dataset } from '@mic/dicom';
import { dataPath } from '../../test/support/data.js';
import { dciodvfy } from '../../test/support/dciodvfy.js';

const list = (v: unknown): Dataset[] => (Array.isArray(v) ? v : [v]) as Dataset[];

/** Runs `mic analyze` in-process; returns the exit code, stdout, stderr and the output folder. */
async function analyze(
  input: string,
  ...extra: string[]
): Promise<{ code: number; out: string; err: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mic-analyze-'));
  const sink: string[] = [];
  const errs: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => (sink.push(String(c)), true));
  const errSpy = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => (errs.push(String(c)), true));
  try {
    const code = await run(['node', 'mic', 'analyze', input, '--out', dir, ...extra]);
    return { code, out: sink.join(''), err: errs.join(''), dir };
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
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

  it('stamps the engine digest that `mic models list` shows into the report, the SEG and the SR', async () => {
    const listed = [] as string[];
    const spy = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((c: string | Uint8Array) => (listed.push(String(c)), true));
    try {
      expect(await run(['node', 'mic', 'models', 'list', '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const registry = JSON.parse(listed.join(''));
    const hu = registry.engines.find((e: { lesions: string }) => e.lesions === report.versions.lesions);
    expect(report.versions.engine).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hu.engine).toBe(report.versions.engine);
    const seg = parseDicom(new Uint8Array(readFileSync(join(dir, 'seg.dcm')))).dataset;
    const algorithm = list(list(seg.SegmentSequence)[0].SegmentationAlgorithmIdentificationSequence)[0];
    expect(algorithm.AlgorithmParameters).toBe(`engine ${report.versions.engine}`);
    expect(readFileSync(join(dir, 'sr.dcm')).includes(`engine ${report.versions.engine}`)).toBe(true);
    // the shipped slice models with the digest of their files
    const unet = registry.sliceModels.find((m: { method: string }) => m.method === 'unet');
    const bytes = readFileSync(new URL('../../libs/analysis/models/slice-unet.json', import.meta.url));
    expect(unet.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('says the slab cuts off the apices and the bases', () => {
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lung in the most superior slice: the apices may be outside the scan/),
        expect.stringMatching(/^lung in the most inferior slice: the bases may be outside the scan/),
      ]),
    );
  });

  it('healthy lungs come out negative for pneumonia with near-zero involvement', () => {
    expect(report.typicality.category).toBe('negative');
    expect(report.involvement.percent).toBeLessThan(1);
    expect(report.severity.mosmed).toBe('CT-0');
  });
});

describe('mic analyze on a folder with a gap, a second series and a broken file', () => {
  it('analyses the longer CT series and says in the report and on stderr what is wrong and what was left aside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-mixed-'));
    const slab = (d: string) =>
      readdirSync(dataPath('lidc-partial', d))
        .filter((f) => f.endsWith('.dcm'))
        .sort((a, b) => Number(a.replace('.dcm', '')) - Number(b.replace('.dcm', '')));
    const three = slab('LIDC-IDRI-0003');
    for (const f of three.filter((_, i) => i !== 4))
      symlinkSync(dataPath('lidc-partial', 'LIDC-IDRI-0003', f), join(dir, f));
    const two = slab('LIDC-IDRI-0002');
    for (const f of two.slice(0, 3)) symlinkSync(dataPath('lidc-partial', 'LIDC-IDRI-0002', f), join(dir, `b${f}`));
    writeFileSync(
      join(dir, 'cut.dcm'),
      readFileSync(dataPath('lidc-partial', 'LIDC-IDRI-0002', two[5])).subarray(0, 2000),
    );
    try {
      const r = await analyze(dir, '--threads', '0');
      expect(r.code).toBe(0);
      const report = JSON.parse(readFileSync(join(r.dir, 'report.json'), 'utf8'));
      const input = report.warnings.filter((w: string) => w.startsWith('input: '));
      expect(input).toEqual([
        expect.stringMatching(/^input: missing slices: gap of 5\.00 mm .*about 1 missing/),
        expect.stringMatching(
          /^input: 2 image series; analysed series \d+ \(10 slices\), not series \d+ \(3 slices\)$/,
        ),
        expect.stringMatching(/^input: cut\.dcm: not read \(TRUNCATED/),
      ]);
      for (const w of input) expect(r.err).toContain(`warning: ${w}`);
      rmSync(r.dir, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('mic analyze on a CT without lung', () => {
  it('takes one multi-frame DICOM file as a series, and refuses to report a scan with no lung (exit 3, nothing written)', async () => {
    const file = dataPath('ct-transfer-syntaxes', 'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm');
    const r = await analyze(file, '--threads', '0');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no lung found in the series .*; nothing written/);
    expect(readdirSync(r.dir)).toEqual([]);
    rmSync(r.dir, { recursive: true, force: true });
  }, 120_000);
});

describe('mic analyze --lobes (TotalSegmentator lobe labels of the same CT)', () => {
  const ct = dataPath('totalseg-example', 'example_ct.nii.gz');
  const seg = dataPath('totalseg-example', 'example_seg_v1_fullvolume_0effae9.nii.gz');

  it('adds the 25-point lobar score with each lobe measured from the label map', async () => {
    const r = await analyze(ct, '--lobes', seg, '--lobe-labels', 'totalseg-v1', '--threads', '0');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/lobar score \d+\/25/);
    const report = JSON.parse(readFileSync(join(r.dir, 'report.json'), 'utf8'));
    const labels = readNifti(new Uint8Array(readFileSync(seg)));
    const ml = labels.spacing.reduce((a, b) => a * b, 1) / 1000;
    const count = (id: number) => {
      let n = 0;
      for (const x of labels.data) if (x === id) n++;
      return n;
    };
    const lobar = report.severity.lobar;
    expect(lobar.max).toBe(25);
    const want: Record<string, number> = { 'left-upper': 13, 'left-lower': 14, 'right-upper': 15, 'right-lower': 17 };
    for (const [name, id] of Object.entries(want)) {
      const lobe = lobar.lobes.find((l: { name: string }) => l.name === name);
      expect(lobe.volumeMl).toBeCloseTo(count(id) * ml, 1);
    }
    // lung bases only: the lower lobes are present, and they agree with the lung field found by mic
    const lower = lobar.lobes.filter((l: { name: string }) => l.name.endsWith('lower'));
    const lobesMl = lower.reduce((s: number, l: { volumeMl: number }) => s + l.volumeMl, 0);
    expect(lobesMl).toBeGreaterThan(50);
    expect(Math.abs(report.lung.total.volumeMl - lobesMl) / lobesMl).toBeLessThan(0.1);
    rmSync(r.dir, { recursive: true, force: true });
  });

  it('refuses an unknown lobe label scheme with one line', async () => {
    const r = await analyze(ct, '--lobes', seg, '--lobe-labels', 'nope');
    expect(r.code).not.toBe(0);
    rmSync(r.dir, { recursive: true, force: true });
  });
});
