import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeVolume, huBandMethod } from '@mic/analysis';
import { assembleSeries } from '@mic/dicom';
import { dataPath } from '../../../test/support/data.js';

async function volumeOf(dir: string, keep: (name: string, index: number) => boolean = () => true) {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .filter(keep);
  const { series } = await assembleSeries(
    names.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) })),
  );
  expect(series).toHaveLength(1);
  return series[0].volume;
}

describe('lesion clean-up in the pipeline', () => {
  it.each(['LIDC-IDRI-0001', 'LIDC-IDRI-0003'])(
    'healthy lungs (%s slab) come out negative; the HU bands alone call vessels and rims lesions',
    async (patient) => {
      const hu = await volumeOf(dataPath('lidc-partial', patient));
      const r = analyzeVolume(hu, { method: huBandMethod }).report;
      // before the clean-up: several percent
      expect((100 * r.lesions.removed.volumeMl) / r.lung.total.volumeMl).toBeGreaterThan(3);
      expect(r.involvement.percent).toBeLessThan(1);
      expect(r.typicality.category).toBe('negative');
      expect(r.lesions.removed.components).toBeGreaterThan(0);
    },
    180_000,
  );

  it.each([
    ['A098752', '19010127-128.dcm'],
    ['A048383', '19001231-30.dcm'],
    ['A072894', '19010103-40.dcm'],
  ])(
    'keeps the opacities of a COVID-19 slice (%s %s)',
    async (subject, file) => {
      const hu = await volumeOf(dataPath('covid-ny-sbu-slices', subject, 'axial'), (f) => f === file);
      const r = analyzeVolume(hu, { method: huBandMethod }).report;
      expect(r.lung.total.volumeMl).toBeGreaterThan(10);
      expect(r.involvement.percent).toBeGreaterThan(5);
      expect(r.typicality.category).not.toBe('negative');
    },
    60_000,
  );

  // The full 255-slice series takes 45 s or more here (see docs/benchmarks.md); every 8th slice (10 mm) keeps the
  // whole lung extent.
  it('RICORD 419639-000082 (bilateral peripheral GGO) stays typical on every 8th slice', async () => {
    const hu = await volumeOf(dataPath('ricord-1a-419639-000082', 'dicom'), (_, i) => i % 8 === 0);
    const r = analyzeVolume(hu, { method: huBandMethod }).report;
    expect(r.typicality.category).toBe('typical');
    expect(r.involvement.percent).toBeGreaterThan(4);
    expect(r.involvement.percent).toBeLessThan(25);
    expect(r.typicality.reasons.join(' ')).toMatch(/bilateral.*peripheral/);
  }, 300_000);
});
