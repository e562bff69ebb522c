import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { segmentLungs } from '@mic/analysis';
import { readNifti } from '@mic/dicom';
import { labelComponents, resample, type Volume } from '@mic/imaging';
import { dataPath } from '../../../test/support/data.js';

// 1.5 mm chest crop centred on the heart: the field of view is narrower than the body, both lungs run into the
// image edges, the trachea is off the image centre and the stomach bubble (air-fluid level) lies under the left dome
const ct = readNifti(
  new Uint8Array(readFileSync(dataPath('totalseg-example', 'pulmonary_report', 'models', 'ct_cropped.nii.gz'))),
);
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
