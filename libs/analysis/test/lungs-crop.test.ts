import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { segmentLungs } from '@mic/analysis';
import { assembleSeries, readNifti } from '@mic/dicom';
import { labelComponents, resample, type Volume } from '@mic/imaging';
import { dataPath } from '../../../test/support/data.js';

// 1.5 mm chest crop centred on the heart: the field of view is narrower than the body, both lungs run into the
// image edges, the trachea is off the image centre and the stomach bubble (air-fluid level) lies under the left dome
const ct = readNifti(
  new Uint8Array(readFileSync(dataPath('totalseg-example', 'pulmonary_report', 'models', 'ct_cropped.nii.gz'))),
) as Volume<Int16Array | Float32Array>;
const [nx, ny, nz] = ct.dims;
const nxy = nx * ny;

function lungMl(labels: Volume<Uint8Array>, label: number): number {
  let n = 0;
  for (const x of labels.data) if (x === label) n++;
  return (n * labels.spacing[0] * labels.spacing[1] * labels.spacing[2]) / 1000;
}

describe('lung segmentation of a chest crop narrower than the body', () => {
  const seg = segmentLungs(ct);
  const labels = seg.labels.data;

  it('finds both lungs although they touch the image edges, right lung on the patient right', () => {
    expect(lungMl(seg.labels, 1)).toBeGreaterThan(600);
    expect(lungMl(seg.labels, 2)).toBeGreaterThan(600);
    const sumI = [0, 0, 0];
    const cnt = [0, 0, 0];
    for (let p = 0; p < labels.length; p++) {
      sumI[labels[p]] += p % nx;
      cnt[labels[p]]++;
    }
    // identity direction (LPS): i grows towards the patient's left
    expect(ct.direction[0]).toBeGreaterThan(0);
    expect(sumI[1] / cnt[1]).toBeLessThan(nx / 3);
    expect(sumI[2] / cnt[2]).toBeGreaterThan((2 * nx) / 3);
  });

  it('leaves out the stomach bubble under the left dome', () => {
    // gas (below -950 HU) in the lowest 15 slices; its largest component is the stomach bubble
    const gas = new Uint8Array(labels.length);
    for (let p = 0; p < 15 * nxy; p++) gas[p] = ct.data[p] < -950 ? 1 : 0;
    const c = labelComponents(gas, ct.dims, 6);
    let big = 1;
    for (let id = 2; id <= c.count; id++) if (c.sizes[id] > c.sizes[big]) big = id;
    expect(c.sizes[big]).toBeGreaterThan(400);
    let inLung = 0;
    for (let p = 0; p < labels.length; p++) if (c.labels[p] === big && labels[p]) inLung++;
    expect(inLung).toBe(0);
  });

  it('removes the trachea although it lies off the image centre', () => {
    // trachea lumen centre in the top slices, read off the picture (i 43, j 68)
    for (let k = nz - 10; k < nz; k++)
      for (let dj = -1; dj <= 1; dj++)
        for (let di = -1; di <= 1; di++) {
          const p = 43 + di + nx * (68 + dj) + nxy * k;
          expect(ct.data[p]).toBeLessThan(-850);
          expect(labels[p]).toBe(0);
        }
  });

  it('gives lung volumes within 4 % at 5 mm slices', () => {
    const thick = resample({ ...ct, data: Float32Array.from(ct.data) }, [ct.spacing[0], ct.spacing[1], 5], 'linear');
    const seg5 = segmentLungs(thick);
    for (const label of [1, 2])
      expect(Math.abs(lungMl(seg5.labels, label) / lungMl(seg.labels, label) - 1)).toBeLessThan(0.04);
  });
});

/** In-plane crop [i0, i1) x [j0, j1) of a volume, origin moved so the voxels keep their positions. */
function cropInPlane(v: Volume<Int16Array | Float32Array>, i0: number, i1: number, j0: number, j1: number) {
  const [vx, vy, vz] = v.dims;
  const [mx, my] = [i1 - i0, j1 - j0];
  const data = new Float32Array(mx * my * vz);
  for (let k = 0; k < vz; k++)
    for (let j = 0; j < my; j++)
      for (let i = 0; i < mx; i++) data[i + mx * (j + my * k)] = v.data[i0 + i + vx * (j0 + j + vy * k)];
  const d = v.direction;
  const origin = [0, 1, 2].map((r) => v.origin[r] + d[r] * i0 * v.spacing[0] + d[3 + r] * j0 * v.spacing[1]) as [
    number,
    number,
    number,
  ];
  return { ...v, data, dims: [mx, my, vz] as [number, number, number], origin };
}

describe('lung segmentation of a field of view cut through both lungs', () => {
  it('matches the full-field lungs inside the crop (LIDC-IDRI-0001, table in view and not)', async () => {
    const dir = dataPath('lidc-partial', 'LIDC-IDRI-0001');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
    const v = (await assembleSeries(files)).series[0].volume as Volume<Int16Array | Float32Array>;
    const full = segmentLungs(v).labels.data;
    const [vx, vy] = v.dims;
    // 150..362 cuts 7 cm off each side and keeps the table; the second also cuts front and back
    for (const [i0, i1, j0, j1] of [
      [150, 362, 0, vy],
      [130, 382, 100, 400],
    ]) {
      const crop = segmentLungs(cropInPlane(v, i0, i1, j0, j1)).labels.data;
      const [mx, my] = [i1 - i0, j1 - j0];
      for (const label of [1, 2]) {
        let a = 0;
        let b = 0;
        let both = 0;
        for (let p = 0; p < crop.length; p++) {
          const i = p % mx;
          const j = Math.floor(p / mx) % my;
          const k = Math.floor(p / (mx * my));
          const x = crop[p] === label;
          const y = full[i0 + i + vx * (j0 + j + vy * k)] === label;
          if (x) a++;
          if (y) b++;
          if (x && y) both++;
        }
        expect(b).toBeGreaterThan(10000);
        expect((2 * both) / (a + b)).toBeGreaterThan(0.98);
      }
    }
  });
});
