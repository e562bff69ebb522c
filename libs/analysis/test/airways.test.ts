import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { segmentLungs } from '@mic/analysis';
import { assembleSeries } from '@mic/dicom';
import { dataPath } from '../../../test/support/data.js';

describe('airway removal', () => {
  it('keeps the whole trachea out of the lungs at the apices (RICORD, upper 50 slices)', async () => {
    const dir = dataPath('ricord-1a-419639-000082', 'dicom');
    const inputs = readdirSync(dir).map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
    const { series } = await assembleSeries(inputs);
    const v = series[0].volume;
    const [nx, ny, nz] = v.dims;
    const keep = 50;
    // the 50 most superior slices (k grows upwards when direction[8] > 0)
    const k0 = v.direction[8] > 0 ? nz - keep : 0;
    const top = {
      ...v,
      dims: [nx, ny, keep] as typeof v.dims,
      data: v.data.slice(k0 * nx * ny, (k0 + keep) * nx * ny),
    };
    top.origin = [0, 1, 2].map((r) => v.origin[r] + v.direction[3 * r + 2] * v.spacing[2] * k0) as typeof v.origin;
    const lungs = segmentLungs(top).labels.data;
    let lung = 0;
    let nearMidline = 0;
    // the trachea runs down the middle of this scan; apical lung stays well lateral of it
    const half = 10 / v.spacing[0];
    for (let k = 0; k < keep; k++)
      for (let j = ny / 4; j < (3 * ny) / 4; j++)
        for (let i = 0; i < nx; i++) {
          const l = lungs[i + nx * (j + ny * k)];
          if (!l) continue;
          lung++;
          if (Math.abs(i - nx / 2) < half) nearMidline++;
        }
    expect(lung).toBeGreaterThan(50_000);
    expect(nearMidline).toBe(0);
  }, 120_000);
});
