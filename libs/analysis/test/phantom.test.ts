import { describe, expect, it } from '@jest/globals';
import { analyzeVolume, quantify, refineLesions, segmentLungs, type LesionMethod } from '@mic/analysis';
import { fromPatientOrder, open, withData, type Volume } from '@mic/imaging';
import { makePhantom } from './phantom.js';

// Synthetic ground truth: no public chest CT has exact 3D lung and lesion masks (see ../shared/data/README.md).
const ph = makePhantom();
const ml = (n: number) => (n * 2.5 ** 3) / 1000;
const count = (a: Uint8Array, v: number) => a.reduce((s, x) => s + (x === v ? 1 : 0), 0);

/**
 * A plain band partition for the phantom (its vessels are 3 mm tubes at 40 HU that an opening removes);
 * the production HU-band method is tested with its own data.
 */
const simpleBands: LesionMethod = {
  name: 'phantom-bands',
  version: '1',
  partition(hu, lungs) {
    const n = hu.data.length;
    const dense = new Uint8Array(n);
    for (let p = 0; p < n; p++) dense[p] = lungs.data[p] && hu.data[p] >= -300 && hu.data[p] <= 100 ? 1 : 0;
    const cons = open(dense, hu.dims, hu.spacing, 4);
    const out = new Uint8Array(n);
    for (let p = 0; p < n; p++) {
      if (!lungs.data[p]) continue;
      if (cons[p]) out[p] = 2;
      else if (hu.data[p] >= -700 && hu.data[p] < -300) out[p] = 1;
    }
    return withData(hu, out);
  },
};

describe('synthetic chest phantom', () => {
  const seg = segmentLungs(ph.hu);

  it('segments each lung within 5 % of its true volume, with the right side labelled 1', () => {
    for (const side of [1, 2]) {
      const truth = count(ph.lungs, side);
      const got = count(seg.labels.data, side);
      expect(Math.abs(got / truth - 1)).toBeLessThan(0.05);
      let inter = 0;
      for (let p = 0; p < ph.lungs.length; p++) if (ph.lungs[p] === side && seg.labels.data[p] === side) inter++;
      expect((2 * inter) / (truth + got)).toBeGreaterThan(0.95);
    }
  });

  it('removes trachea, main bronchi and bowel gas', () => {
    const [nx, ny] = ph.hu.dims;
    // trachea centre above the lungs, and the bowel gas centre
    const cx = Math.round((nx - 1) / 2);
    const trachea = cx + nx * (Math.round((ny - 1) / 2 - 10) + ny * 62);
    expect(seg.labels.data[trachea]).toBe(0);
    const bowel = Math.round(cx + 12) + nx * (Math.round((ny - 1) / 2 - 8) + ny * 3);
    expect(ph.hu.data[bowel]).toBeLessThan(-800);
    expect(seg.labels.data[bowel]).toBe(0);
  });

  it('keeps the consolidation against the pleura inside the lung', () => {
    let inside = 0;
    const cons = count(ph.lesions, 2);
    for (let p = 0; p < ph.lesions.length; p++) if (ph.lesions[p] === 2 && seg.labels.data[p] === 2) inside++;
    expect(inside / cons).toBeGreaterThan(0.95);
  });

  it('measures lung, GGO and consolidation volumes within 5 % through the whole pipeline', () => {
    const r = analyzeVolume(ph.hu, { method: simpleBands });
    const ggo = ml(count(ph.lesions, 1));
    const cons = ml(count(ph.lesions, 2));
    expect(Math.abs(r.report.lesions.ggo.volumeMl / ggo - 1)).toBeLessThan(0.05);
    expect(Math.abs(r.report.lesions.consolidation.volumeMl / cons - 1)).toBeLessThan(0.05);
    expect(Math.abs(r.report.lung.right.volumeMl / ml(count(ph.lungs, 1)) - 1)).toBeLessThan(0.05);
    expect(r.report.typicality.features.bilateral).toBe(true);
    expect(r.report.typicality.category).not.toBe('negative');
    for (const k of ['lungs', 'lesions', 'quantify', 'typicality'])
      expect(r.report.timingsMs[k]).toBeGreaterThanOrEqual(0);
  });

  it('reads a scan stored as coronal slices in RAS order as the same scan stored axially', () => {
    const [nx, ny, nz] = ph.hu.dims;
    const [sx, sy, sz] = ph.hu.spacing;
    // columns to the patient's right, rows downwards, slices from front to back (a coronal reformat, NIfTI-style)
    const like: Volume = {
      data: new Int16Array(0),
      dims: [nx, nz, ny],
      spacing: [sx, sz, sy],
      origin: [100, -80, 120],
      direction: [-1, 0, 0, 0, 0, 1, 0, -1, 0],
    };
    const stored = fromPatientOrder(ph.hu, like);
    const axial = analyzeVolume(ph.hu, { method: simpleBands });
    const coronal = analyzeVolume(stored, { method: simpleBands });
    expect(coronal.report.input.dims).toEqual([nx, nz, ny]);
    expect(coronal.report.warnings).toContain('input stored as coronal slices: analysed in axial order');
    for (const k of ['lung', 'lesions', 'involvement', 'zones', 'severity', 'typicality'] as const)
      expect(coronal.report[k]).toEqual(axial.report[k]);
    expect(coronal.lungs.dims).toEqual([nx, nz, ny]);
    expect(coronal.lungs.direction).toEqual(like.direction);
    expect(Array.from(coronal.lungs.data)).toEqual(Array.from(fromPatientOrder(axial.lungs, like).data));
    expect(Array.from(coronal.lesions.data)).toEqual(Array.from(fromPatientOrder(axial.lesions, like).data));
  });

  it('cleans up and measures the slices that hold lung exactly as the whole volume', () => {
    // a longer scan: neck and body without lung above the lungs, which the later stages need not see
    const tall = makePhantom([128, 100, 100]);
    const lungs = segmentLungs(tall.hu).labels;
    const nxy = 128 * 100;
    expect(lungs.data.subarray(lungs.data.length - nxy).some((v) => v !== 0)).toBe(false);
    const r = analyzeVolume(tall.hu, { method: simpleBands });
    const whole = refineLesions(simpleBands.partition(tall.hu, lungs), lungs, tall.hu);
    expect(r.lesions.dims).toEqual(tall.hu.dims);
    expect(Array.from(r.lesions.data)).toEqual(Array.from(whole.lesions.data));
    const q = quantify(tall.hu, lungs, whole.lesions);
    expect(r.report.involvement.percent).toBeCloseTo(q.total.involvementPercent, 2);
    expect(r.report.lesions.ggo.volumeMl).toBeCloseTo(q.total.ggoMl, 2);
  });

  it('quantifies the true masks exactly', () => {
    const q = quantify(ph.hu, withData(ph.hu, ph.lungs), withData(ph.hu, ph.lesions));
    expect(q.total.volumeMl).toBeCloseTo(ml(count(ph.lungs, 1) + count(ph.lungs, 2)), 6);
    expect(q.total.ggoMl).toBeCloseTo(ml(count(ph.lesions, 1)), 6);
    expect(q.zones.reduce((s, z) => s + z.volumeMl, 0)).toBeCloseTo(q.total.volumeMl, 6);
  });
});
