import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@mic/cli';
import { parseDicom, readHu, readNiftiWithInfo } from '@mic/dicom';
import { dataPath } from '../../test/support/data.js';

describe('mic dicom', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    const to = (sink: string[]) => (chunk: string | Uint8Array) => (sink.push(String(chunk)), true);
    jest.spyOn(process.stdout, 'write').mockImplementation(to(out));
    jest.spyOn(process.stderr, 'write').mockImplementation(to(err));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('info --json summarises each series', async () => {
    const code = await run(['node', 'mic', 'dicom', 'info', dataPath('lidc-partial', 'LIDC-IDRI-0003'), '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out.join(''));
    expect(r.series.length).toBe(1);
    const s = r.series[0];
    expect(s.modality).toBe('CT');
    expect(s.dims).toEqual([512, 512, 11]);
    expect(s.spacing[2]).toBe(2.5);
    expect(s.transferSyntaxUids).toEqual(['1.2.840.10008.1.2.1']);
    expect(s.hu.min).toBeLessThan(-1000);
    expect(s.hu.max).toBeGreaterThan(500);
    expect(s.warnings).toEqual([]);
    expect(r.skipped.map((k: { name: string }) => k.name)).toEqual(['annotations-72.xml']);
  });

  it('to-nifti on the TotalSegmentator series gives the documented affine and the series HU', async () => {
    const dir = dataPath('totalseg-example', 'example_ct_dicom');
    const outFile = join(mkdtempSync(join(tmpdir(), 'mic-nifti-')), 'ct.nii.gz');
    expect(await run(['node', 'mic', 'dicom', 'to-nifti', dir, outFile])).toBe(0);
    const { volume, info } = readNiftiWithInfo(readFileSync(outFile));
    expect(info.sformCode).toBe(1);
    expect(info.qformCode).toBe(1);
    expect(volume.dims).toEqual([512, 512, 20]);
    // The reference label map made from the same series by TotalSegmentator's own pipeline.
    const ref = readNiftiWithInfo(readFileSync(dataPath('totalseg-example', 'example_seg_dicom.nii.gz'))).info
      .affineRas;
    info.affineRas.flat().forEach((x, i) => expect(Math.abs(x - ref.flat()[i])).toBeLessThan(1e-4));
    expect(info.affineRas[0][3]).toBeCloseTo(249.51, 2);
    expect(info.affineRas[1][3]).toBeCloseTo(-61.51, 2);
    expect(info.affineRas[2][3]).toBe(-804.5);
    // Slice k = IPP z -804.5 + 2k; NIfTI row j = DICOM row 511 - j.
    const byZ = new Map(
      readdirSync(dir).map((f) => {
        const file = parseDicom(new Uint8Array(readFileSync(join(dir, f))));
        return [(file.dataset.ImagePositionPatient as number[])[2], file] as const;
      }),
    );
    for (const k of [0, 19]) {
      const hu = (await readHu(byZ.get(-804.5 + 2 * k)!)).frames[0];
      let diff = 0;
      for (let j = 0; j < 512; j++)
        for (let i = 0; i < 512; i++) if (volume.data[i + 512 * (j + 512 * k)] !== hu[i + 512 * (511 - j)]) diff++;
      expect(diff).toBe(0);
    }
  }, 60_000);

  it('gives one line and a non-zero exit for truncated, wrongly sized and non-DICOM input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-bad-'));
    const good = readFileSync(dataPath('lidc-partial', 'LIDC-IDRI-0003', '-204.000000.dcm'));
    const lengthAt = good.indexOf(Buffer.from([0x28, 0x00, 0x30, 0x00])); // (0028,0030) PixelSpacing
    const badLength = Buffer.from(good);
    badLength.writeUInt16LE(0xfff0, lengthAt + 6);
    const cases: [string, Buffer, RegExp][] = [
      ['truncated.dcm', good.subarray(0, 5000), /TRUNCATED/],
      ['length.dcm', badLength, /TRUNCATED|BAD_LENGTH|BAD_VALUE/],
      ['text.dcm', Buffer.from('hello, not an image\n'.repeat(20)), /NOT_DICOM/],
    ];
    for (const [name, bytes, reason] of cases) {
      writeFileSync(join(dir, name), bytes);
      err.length = 0;
      const code = await run(['node', 'mic', 'dicom', 'info', join(dir, name)]);
      expect(code).not.toBe(0);
      const text = err.join('');
      expect(text.trim().split('\n').length).toBe(1);
      expect(text).toMatch(reason);
      expect(text).not.toMatch(/\n\s+at /);
    }
  });
});
