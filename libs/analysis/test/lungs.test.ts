import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { segmentLungs } from '@mic/analysis';
import { assembleSeries, parseDicom, readHu, readNifti } from '@mic/dicom';
import { dataPath } from '../../../test/support/data.js';

const count = (a: Uint8Array, v: number) => a.reduce((s, x) => s + (x === v ? 1 : 0), 0);

describe('lung segmentation on real CT', () => {
  it('matches the published lungmask R231 counts within 3 % on its two test slices', async () => {
    const dir = dataPath('lungmask-testdata');
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
    const { series } = await assembleSeries(inputs);
    const seg = segmentLungs(series[0].volume);
    // lungmask tests/test_mask.py: [423000, 64752, 36536] for background, right, left
    expect(Math.abs(count(seg.labels.data, 1) / 64752 - 1)).toBeLessThan(0.03);
    expect(Math.abs(count(seg.labels.data, 2) / 36536 - 1)).toBeLessThan(0.03);
  });

  it('reaches Dice >= 0.95 per lung against the TotalSegmentator lobes (merged per side)', () => {
    const ct = readNifti(new Uint8Array(readFileSync(dataPath('totalseg-example', 'example_ct.nii.gz'))));
    const ref = readNifti(
      new Uint8Array(readFileSync(dataPath('totalseg-example', 'example_seg_v1_fullvolume_0effae9.nii.gz'))),
    );
    const seg = segmentLungs({ ...ct, data: Float32Array.from(ct.data) });
    // v1 labels: 13, 14 left upper/lower lobe; 15, 16, 17 right upper/middle/lower lobe
    const side = (x: number) => (x === 13 || x === 14 ? 2 : x >= 15 && x <= 17 ? 1 : 0);
    for (const s of [1, 2]) {
      let a = 0;
      let b = 0;
      let both = 0;
      for (let p = 0; p < ref.data.length; p++) {
        const x = seg.labels.data[p] === s;
        const y = side(ref.data[p]) === s;
        if (x) a++;
        if (y) b++;
        if (x && y) both++;
      }
      expect(b).toBeGreaterThan(1000);
      expect((2 * both) / (a + b)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('finds diffusely diseased lung the air threshold misses, and leaves a mildly involved chest as it was', async () => {
    // One real slice repeated into a 24-slice volume: the texture of crazy paving and dense GGO (NY-SBU A046441,
    // both lungs, few voxels under -400 HU) against a chest with a few opacities (A048383).
    const stacked = async (id: string, file: string) => {
      const bytes = new Uint8Array(readFileSync(dataPath('covid-ny-sbu-slices', id, 'axial', file)));
      const { frames, info } = await readHu(parseDicom(bytes));
      const [w, h, nz] = [info.columns, info.rows, 24];
      const sp = info.frames[0].pixelSpacing?.[1] ?? 0.7;
      const data = new Float32Array(w * h * nz);
      for (let k = 0; k < nz; k++) data.set(frames[0], k * w * h);
      const vol = {
        data,
        dims: [w, h, nz] as [number, number, number],
        spacing: [sp, sp, 2.5] as [number, number, number],
        origin: [0, 0, 0] as [number, number, number],
        direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [
          number,
          number,
          number,
          number,
          number,
          number,
          number,
          number,
          number,
        ],
      };
      const mid = (l: Uint8Array, side: number) => count(l.subarray(12 * w * h, 13 * w * h), side);
      const air = segmentLungs(vol, { denseHu: null }).labels.data;
      const dense = segmentLungs(vol).labels.data;
      return { air: [mid(air, 1), mid(air, 2)], dense: [mid(dense, 1), mid(dense, 2)] };
    };
    const sick = await stacked('A046441', '19001111-045.dcm');
    expect(sick.air[1]).toBe(0);
    expect(sick.dense[1]).toBeGreaterThan(5000);
    expect(sick.dense[0]).toBeGreaterThan(1.3 * sick.air[0]);
    const mild = await stacked('A048383', '19010410-30.dcm');
    expect(mild.dense).toEqual(mild.air);
  }, 120_000);

  it('segments a single slice and an empty volume without failing', () => {
    const dims: [number, number, number] = [64, 64, 1];
    const data = new Int16Array(64 * 64).fill(-1000);
    const seg = segmentLungs({
      data,
      dims,
      spacing: [1, 1, 1],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    });
    expect(count(seg.labels.data, 0)).toBe(64 * 64);
    expect(seg.warnings).toContain('no lung found');
  });
});
