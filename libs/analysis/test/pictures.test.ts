import { describe, expect, it } from '@jest/globals';
import { gunzipSync, inflateSync } from 'node:zlib';
import {
  axialMosaic,
  coronalView,
  keyLines,
  sliceStack,
  type AnalysisReport,
  type AnalysisResult,
} from '@mic/analysis';
import { fromPatientOrder, withData, type Volume } from '@mic/imaging';
import { makePhantom } from './phantom.js';

// The phantom's own truth as the "result": the pictures are pure functions of the maps, the CT and the report.
const ph = makePhantom([64, 50, 36], [5, 5, 5]);
const region = (volumeMl: number, percent: number) => ({ volumeMl, percent });
const report = {
  lung: { right: region(2100, 0), left: region(1900, 0), total: region(4000, 0) },
  lesions: { ggo: region(85.4, 0), consolidation: region(12.25, 0), method: 'truth' },
  involvement: { percent: 2.4, right: region(0, 3.1), left: region(0, 1.7) },
  severity: { total: 4, max: 24, mosmed: 'CT-1' },
  typicality: { category: 'typical', reasons: [] },
} as unknown as AnalysisReport;
const result: AnalysisResult = { lungs: withData(ph.hu, ph.lungs), lesions: withData(ph.hu, ph.lesions), report };

/** Width, height and RGB pixels of an 8-bit RGBA PNG (no filter decoding needed: count colours only). */
function decode(png: Uint8Array): { width: number; height: number; raw: Buffer } {
  const b = Buffer.from(png);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  const idat: Buffer[] = [];
  for (let o = 8; o < b.length;) {
    const len = b.readUInt32BE(o);
    if (b.toString('latin1', o + 4, o + 8) === 'IDAT') idat.push(b.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), raw: inflateSync(Buffer.concat(idat)) };
}

describe('pictures', () => {
  it('puts the key numbers in short upper-case lines', () => {
    expect(keyLines(result)).toEqual([
      'LUNGS R 2100 ML  L 1900 ML',
      'GGO 85.4 ML  CONS 12.3 ML',
      'INVOLVEMENT 2.4% (R 3.1%, L 1.7%)',
      'SCORE 4/24  CT-1  RSNA: typical',
    ]);
  });

  it('draws the axial mosaic as tiles of the lungs under a legend', () => {
    const png = decode(axialMosaic(result, ph.hu.data, 8, 64));
    // 8 tiles in 2 rows of 4, 64 x 50 each, plus the 100-pixel header
    expect([png.width, png.height]).toEqual([4 * 64, 2 * 50 + 100]);
    expect(png.raw.length).toBe(png.height * (1 + 4 * png.width));
  });

  it('draws in radiological order whatever order the scan is stored in', () => {
    const [nx, ny, nz] = ph.hu.dims;
    // a coronal stack in RAS order: columns to the patient's right, rows downwards, slices from front to back
    const like: Volume = {
      data: new Uint8Array(0),
      dims: [nx, nz, ny],
      spacing: [5, 5, 5],
      origin: [0, 0, 0],
      direction: [-1, 0, 0, 0, 0, 1, 0, -1, 0],
    };
    const stored: AnalysisResult = {
      lungs: fromPatientOrder(result.lungs, like),
      lesions: fromPatientOrder(result.lesions, like),
      report,
    };
    const hu = fromPatientOrder(ph.hu, like).data;
    expect(Buffer.from(axialMosaic(stored, hu, 8, 64))).toEqual(Buffer.from(axialMosaic(result, ph.hu.data, 8, 64)));
    expect(Buffer.from(coronalView(stored, hu))).toEqual(Buffer.from(coronalView(result, ph.hu.data)));
    expect(gunzipSync(sliceStack(stored, hu))).toEqual(gunzipSync(sliceStack(result, ph.hu.data)));
  });

  it('draws the coronal view at true proportions', () => {
    const png = decode(coronalView(result, ph.hu.data));
    // 64 columns of 5 mm; 36 slices of 5 mm give 36 rows
    expect([png.width, png.height]).toEqual([64, 36 + 100]);
  });

  it('colours ground-glass yellow-ish and consolidation red-ish in the image, outlines each lung', () => {
    const { raw, width } = decode(axialMosaic(result, ph.hu.data, 8, 64));
    // Undo the per-row PNG filters (none, sub, up, average, Paeth) to get the RGBA pixels back.
    const rows: Buffer[] = [];
    let prev = Buffer.alloc(4 * width);
    for (let y = 0; y < raw.length / (1 + 4 * width); y++) {
      const f = raw[y * (1 + 4 * width)];
      const line = Buffer.from(raw.subarray(y * (1 + 4 * width) + 1, (y + 1) * (1 + 4 * width)));
      for (let i = 0; i < line.length; i++) {
        const a = i >= 4 ? line[i - 4] : 0;
        const c = i >= 4 ? prev[i - 4] : 0;
        const up = prev[i];
        const p = a + up - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - c);
        const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
        line[i] = (line[i] + [0, a, up, (a + up) >> 1, paeth][f]) & 255;
      }
      rows.push(line);
      prev = line;
    }
    const colours = new Set<string>();
    for (const row of rows.slice(100))
      for (let x = 0; x < width; x++) colours.add(`${row[4 * x]},${row[4 * x + 1]},${row[4 * x + 2]}`);
    expect(colours.has('80,170,255')).toBe(true); // right lung outline
    expect(colours.has('80,255,120')).toBe(true); // left lung outline
    const tinted = [...colours].map((c) => c.split(',').map(Number));
    // 45 % grey + 55 % colour: GGO (grey ~140) gives a yellow, consolidation (grey ~235) a pink-red
    expect(tinted.some(([r, g, bl]) => r > 180 && g > 150 && bl < 100)).toBe(true);
    expect(tinted.some(([r, g, bl]) => r > 200 && g < 150 && bl < 150 && r - g > 90)).toBe(true);
  });

  it('stacks the slices for the viewer at most maxSize a side, with lung and lesion per pixel', () => {
    const raw = gunzipSync(sliceStack(result, ph.hu.data, 32));
    const text = raw.subarray(0, 4096).toString('latin1').split('\n');
    expect(text[0]).toBe('MIC-SLICES 2');
    const header = JSON.parse(text[1]);
    expect(header).toMatchObject({ width: 32, height: 25, slices: 36, pixelMm: [10, 10], sliceMm: 5 });
    expect(header.windows.map((w: { name: string }) => w.name)).toEqual(['lung', 'mediastinum']);
    const n = 32 * 25 * 36;
    const labels = raw.subarray(raw.length - n);
    const count = (f: (l: number) => boolean) => labels.reduce((c, l) => c + (f(l) ? 1 : 0), 0);
    const truth = (v: number) => ph.lesions.reduce((c, l) => c + (l === v ? 1 : 0), 0);
    // 2 x 2 blocks: a quarter of the voxels, within what block edges move
    expect(count((l) => l >> 2 === 1) / (truth(1) / 4)).toBeGreaterThan(0.7);
    expect(count((l) => l >> 2 === 1) / (truth(1) / 4)).toBeLessThan(1.3);
    expect(count((l) => (l & 3) === 1)).toBeGreaterThan(0);
    expect(count((l) => (l & 3) === 2)).toBeGreaterThan(0);
  });
});
