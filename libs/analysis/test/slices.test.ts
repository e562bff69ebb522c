import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseDicom, readHu } from '@mic/dicom';
import {
  decodeLabels,
  diceInterval,
  encodeGrayPng,
  decodeGray,
  meanDice,
  scoreSlice,
  segmentHuSlice,
  segmentWindowedSlice,
  sliceDice,
  sliceLungMask,
  TRUE_HU_LUNG,
  zeroSlices,
} from '../src/index.js';
import { dataPath } from '../../../test/support/data.js';

const TRAIN = ['infnet-covid-semiseg', 'TrainingSet', 'MultiClassInfection-Train'];

describe('label codec and Dice', () => {
  it('reads the palette GT (red GGO, green consolidation) and grey 0/128/255', () => {
    const gt = decodeLabels(readFileSync(dataPath(...TRAIN, 'GT', '3.png')));
    const counts = [0, 0, 0];
    for (const v of gt.pixels) counts[v]++;
    // 3.png: 10,139 GGO and 6,038 consolidation pixels (palette colours 128,0,0 and 0,128,0).
    expect(counts[1]).toBe(10139);
    expect(counts[2]).toBe(6038);
    const grey = encodeGrayPng({ width: 3, height: 1, pixels: Uint8Array.of(0, 128, 255) });
    expect(Array.from(decodeLabels(grey).pixels)).toEqual([0, 1, 2]);
    const raw = encodeGrayPng({ width: 3, height: 1, pixels: Uint8Array.of(2, 0, 1) });
    expect(Array.from(decodeLabels(raw).pixels)).toEqual([2, 0, 1]);
  });

  it('computes Dice per class and skips classes empty in both', () => {
    const d = sliceDice(Uint8Array.of(1, 1, 2, 0), Uint8Array.of(1, 2, 2, 0));
    expect(d.infection).toBe(1);
    expect(d.ggo).toBeCloseTo(2 / 3, 9);
    expect(d.consolidation).toBeCloseTo(2 / 3, 9);
    const e = sliceDice(Uint8Array.of(0, 1), Uint8Array.of(0, 1));
    expect(e.consolidation).toBeNull();
    const m = meanDice([d, e]);
    expect(m.consolidation).toBeCloseTo(2 / 3, 9);
    expect(m.counted.consolidation).toBe(1);
    expect(() => sliceDice(new Uint8Array(2), new Uint8Array(3))).toThrow(/size mismatch/);
  });

  it('gives a seeded bootstrap interval of each mean that holds the mean and narrows with more slices', () => {
    const row = (c: number | null) => ({ infection: 0.7, ggo: 0.5, consolidation: c });
    const few = [0, 0.2, 0.4, 0.6, null].map(row);
    const ci = diceInterval(few);
    expect(ci.infection).toEqual([0.7, 0.7]);
    const [lo, hi] = ci.consolidation!;
    expect(lo).toBeLessThan(meanDice(few).consolidation!);
    expect(hi).toBeGreaterThan(meanDice(few).consolidation!);
    expect(diceInterval(few)).toEqual(ci);
    const many = diceInterval(Array.from({ length: 16 }, () => few).flat());
    expect(many.consolidation![1] - many.consolidation![0]).toBeLessThan((hi - lo) / 2);
    expect(diceInterval([row(null)]).consolidation).toBeNull();
  });

  it('names the slices that score 0 on a class for all-or-nothing reasons', () => {
    const rows = [
      { name: 'false-call', ...scoreSlice(Uint8Array.of(2, 1, 0), Uint8Array.of(1, 1, 0)) },
      { name: 'miss', ...scoreSlice(Uint8Array.of(1, 1, 0), Uint8Array.of(1, 2, 0)) },
      { name: 'overlap', ...scoreSlice(Uint8Array.of(2, 2, 1), Uint8Array.of(2, 1, 1)) },
      { name: 'none', ...scoreSlice(Uint8Array.of(0, 1, 0), Uint8Array.of(0, 1, 0)) },
      { name: 'all-dense', ...scoreSlice(Uint8Array.of(1, 2, 0), Uint8Array.of(2, 2, 0)) },
    ];
    expect(rows[1].pixels).toEqual({ truth: { ggo: 1, consolidation: 1 }, predicted: { ggo: 2, consolidation: 0 } });
    expect(rows[1].consolidation).toBe(0);
    expect(zeroSlices(rows)).toEqual({
      ggo: { calledWithoutTruth: ['all-dense'], missedWithTruth: [] },
      consolidation: { calledWithoutTruth: ['false-call'], missedWithTruth: ['miss'] },
    });
  });
});

describe('slice segmentation on real data', () => {
  it('finds the labelled infection on training slices (Dice floor)', () => {
    const rows = ['2', '13', '29', '42'].map((id) => {
      const img = decodeGray(readFileSync(dataPath(...TRAIN, 'Imgs', `${id}.jpg`)));
      const gt = decodeLabels(readFileSync(dataPath(...TRAIN, 'GT', `${id}.png`)));
      return sliceDice(segmentWindowedSlice(img, { method: 'hu' }).lesions, gt.pixels);
    });
    expect(meanDice(rows).infection).toBeGreaterThan(0.3);
  });

  async function dicomSlice(...parts: string[]) {
    const { frames, info } = await readHu(parseDicom(readFileSync(dataPath(...parts))));
    return {
      hu: Float32Array.from(frames[0]),
      w: info.columns,
      h: info.rows,
      sp: info.frames[0].pixelSpacing?.[1] ?? 0.7,
    };
  }

  function involvement(r: { lesions: Uint8Array; lungs: Uint8Array }): number {
    let lung = 0;
    let les = 0;
    for (let p = 0; p < r.lungs.length; p++) {
      if (r.lungs[p]) lung++;
      if (r.lesions[p]) les++;
    }
    expect(lung).toBeGreaterThan(10000);
    return les / lung;
  }

  it('calls a healthy LIDC slice below 10 % and a COVID-19 slice involved, with both methods', async () => {
    const healthy = await dicomSlice('lidc-partial', 'LIDC-IDRI-0001', '-117.500000.dcm');
    const covid = await dicomSlice('covid-ny-sbu-slices', 'A098752', 'axial', '19010127-128.dcm');
    for (const method of ['hu', 'kmeans']) {
      const a = segmentHuSlice(healthy.hu, healthy.w, healthy.h, healthy.sp, { method });
      const b = segmentHuSlice(covid.hu, covid.w, covid.h, covid.sp, { method });
      // Known weakness: lung-edge partial volume still gives a few per cent on a healthy slice (docs/lesions.md).
      const clean = involvement(a);
      expect(clean).toBeLessThan(0.1);
      expect(involvement(b)).toBeGreaterThan(0.05);
    }
  }, 60000);

  it('finds no lung on abdominal slices (air in the CT table is not lung) and both lungs on a chest slice', async () => {
    const count = (a: Uint8Array, v: number) => a.reduce((n, x) => n + (x === v ? 1 : 0), 0);
    // NY-SBU A062055 and A027284 axial slices show kidneys and liver, below the lungs.
    for (const [id, file] of [
      ['A062055', '19001228-131.dcm'],
      ['A027284', '19000925-116.dcm'],
    ]) {
      const s = await dicomSlice('covid-ny-sbu-slices', id, 'axial', file);
      expect(count(sliceLungMask(s.hu, s.w, s.h), 0)).toBe(s.w * s.h);
    }
    const chest = await dicomSlice('covid-ny-sbu-slices', 'A048383', 'axial', '19010410-30.dcm');
    const lungs = sliceLungMask(chest.hu, chest.w, chest.h);
    // Right lung on the image's left: every right-lung pixel left of every left-lung pixel's mean column.
    const meanX = (v: number) => {
      let sx = 0;
      let k = 0;
      lungs.forEach((l, p) => {
        if (l === v) {
          sx += p % chest.w;
          k++;
        }
      });
      return sx / k;
    };
    expect(count(lungs, 1)).toBeGreaterThan(10000);
    expect(count(lungs, 2)).toBeGreaterThan(10000);
    expect(meanX(1)).toBeLessThan(meanX(2));
  }, 60000);

  it('on true HU takes diffusely diseased lung into the field, and leaves aerated lungs and the abdomen as they were', async () => {
    const count = (a: Uint8Array, v: number) => a.reduce((n, x) => n + (x === v ? 1 : 0), 0);
    // A046441: crazy paving and dense GGO in both lungs, a mean of -300 to -150 HU with few air pixels.
    const sick = await dicomSlice('covid-ny-sbu-slices', 'A046441', 'axial', '19001111-045.dcm');
    const air = sliceLungMask(sick.hu, sick.w, sick.h);
    const dense = sliceLungMask(sick.hu, sick.w, sick.h, TRUE_HU_LUNG);
    expect(count(air, 2)).toBe(0);
    expect(count(dense, 1)).toBeGreaterThan(1.5 * count(air, 1));
    expect(count(dense, 2)).toBeGreaterThan(5000);
    // Its right lung lies on the image's left.
    const meanX = (m: Uint8Array, v: number) => {
      let sx = 0;
      m.forEach((l, p) => {
        if (l === v) sx += p % sick.w;
      });
      return sx / count(m, v);
    };
    expect(meanX(dense, 1)).toBeLessThan(sick.w / 2);
    expect(meanX(dense, 2)).toBeGreaterThan(sick.w / 2);
    const healthy = await dicomSlice('lidc-partial', 'LIDC-IDRI-0001', '-117.500000.dcm');
    expect(sliceLungMask(healthy.hu, healthy.w, healthy.h, TRUE_HU_LUNG)).toEqual(
      sliceLungMask(healthy.hu, healthy.w, healthy.h),
    );
    // Abdominal slices, one with bowel gas whose smoothed rim is no lung parenchyma.
    for (const [id, file] of [
      ['A062055', '19001228-131.dcm'],
      ['A027284', '19000925-116.dcm'],
      ['A058062', '19010108-078.dcm'],
    ]) {
      const s = await dicomSlice('covid-ny-sbu-slices', id, 'axial', file);
      expect(count(sliceLungMask(s.hu, s.w, s.h, TRUE_HU_LUNG), 0)).toBe(s.w * s.h);
    }
  }, 60000);

  it('kmeans is deterministic for a fixed seed', () => {
    const img = decodeGray(readFileSync(dataPath(...TRAIN, 'Imgs', '52.jpg')));
    const a = segmentWindowedSlice(img, { method: 'kmeans', lesion: { seed: 3 } }).lesions;
    const b = segmentWindowedSlice(img, { method: 'kmeans', lesion: { seed: 3 } }).lesions;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.some((v) => v > 0)).toBe(true);
  }, 30000);
});
