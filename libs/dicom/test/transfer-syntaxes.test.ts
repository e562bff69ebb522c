import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { DicomError, imageInfo, parseDicom, readHu } from '@mic/dicom';
import { dataPath } from '../../../test/support/data.js';
import { dataFile, mismatches, range, thrown } from './support.js';

const DIR = 'ct-transfer-syntaxes';
const REFERENCE = 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm';

/** Lossy syntaxes: the most a decode may differ from the reference HU, mean and worst pixel (HU). */
const LOSSY: Record<string, { mean: number; max: number }> = {
  // 8-bit baseline with RescaleSlope 32.12: one stored step is 32 HU.
  '1.2.840.10008.1.2.4.50': { mean: 25, max: 70 },
  // 12-bit extended, RescaleSlope 2.
  '1.2.840.10008.1.2.4.51': { mean: 5, max: 40 },
  '1.2.840.10008.1.2.4.81': { mean: 1, max: 2 },
  '1.2.840.10008.1.2.4.91': { mean: 1, max: 8 },
};
/** Retired 12-bit progressive / spectral selection: no maintained decoder, so they must be refused. */
const REFUSED = new Set(['1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.55']);

const variants = readdirSync(dataPath(DIR)).filter((f) => f.startsWith('CTImage.dcm'));

describe('decoding every transfer syntax of one CT slice', () => {
  let reference: Int16Array | Float32Array;

  it('reads the explicit little endian reference as signed HU', async () => {
    const hu = await readHu(parseDicom(dataFile(DIR, REFERENCE)));
    reference = hu.frames[0];
    expect(reference).toBeInstanceOf(Int16Array);
    expect(reference.length).toBe(512 * 512);
    // Stored -2000..2402 with intercept -1024.
    expect(range(reference)).toEqual([-3024, 1378]);
  });

  it('has all 16 variants and the 3 extra samples on disk', () => {
    expect(variants.length).toBe(16);
  });

  for (const name of variants) {
    it(name.replace('CTImage.dcm_', '') || name, async () => {
      const file = parseDicom(dataFile(DIR, name));
      const ts = file.transferSyntaxUid;
      expect(name === 'CTImage.dcm' || name.includes(ts)).toBe(true);
      if (REFUSED.has(ts)) {
        const err = await thrown(() => readHu(file));
        expect(err).toBeInstanceOf(DicomError);
        expect((err as DicomError).code).toBe('UNSUPPORTED_TRANSFER_SYNTAX');
        return;
      }
      const hu = (await readHu(file)).frames[0];
      expect(hu.length).toBe(reference.length);
      const tolerance = LOSSY[ts];
      if (!tolerance) {
        expect(hu).toBeInstanceOf(Int16Array);
        expect(mismatches(hu, reference)).toBe(0);
        return;
      }
      let sum = 0;
      let max = 0;
      for (let i = 0; i < hu.length; i++) {
        const d = Math.abs(hu[i] - reference[i]);
        sum += d;
        if (d > max) max = d;
      }
      expect(sum / hu.length).toBeLessThan(tolerance.mean);
      expect(max).toBeLessThanOrEqual(tolerance.max);
      // Lossy, so not identical.
      expect(max).toBeGreaterThan(0);
    });
  }
});

describe('other CT codec samples', () => {
  it('decodes the NEMA JPEG 2000 lossless samples (fragmented, no offset table) to plausible HU', async () => {
    for (const name of ['CT1_J2KR', 'CT2_J2KR']) {
      const hu = await readHu(parseDicom(dataFile(DIR, name)));
      const f = hu.frames[0];
      expect(f.length).toBe(512 * 512);
      let air = 0;
      let soft = 0;
      for (const v of f) {
        if (v < -900) air++;
        else if (v > -100 && v < 100) soft++;
      }
      // A body CT slice: plenty of air around the patient and soft tissue inside.
      expect(air).toBeGreaterThan(f.length * 0.2);
      expect(soft).toBeGreaterThan(f.length * 0.1);
    }
  });

  it('reads padding of CT1 (PixelPaddingValue -2000) as PADDING_HU', async () => {
    const hu = await readHu(parseDicom(dataFile(DIR, 'CT1_J2KR')));
    expect(hu.info.paddingValue).toBe(-2000);
    expect(hu.padded).toBeGreaterThan(0);
    expect(range(hu.frames[0])[0]).toBe(-1024);
  });

  it('decodes the enhanced multi-frame CT with geometry and rescale from the functional groups', async () => {
    const file = parseDicom(dataFile(DIR, 'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm'));
    const info = imageInfo(file)!;
    expect(info.numberOfFrames).toBe(2);
    expect(info.frames[0].orientation).toEqual([-1, 0, 0, 0, 1, 0]);
    expect(info.frames[0].pixelSpacing).toEqual([0.388672, 0.388672]);
    expect(info.frames[0].position).toEqual([99.5, -301.5, -159]);
    expect(info.frames[1].position).not.toEqual(info.frames[0].position);
    expect(info.frames.map((f) => [f.slope, f.intercept])).toEqual([
      [1, -1024],
      [1, -1024],
    ]);
    const hu = await readHu(file);
    expect(hu.frames.length).toBe(2);
    // 12-bit stored values around 1024 (0 after rescale) in a perfusion map; two different frames.
    for (const f of hu.frames) {
      const [min, max] = range(f);
      expect(min).toBeGreaterThanOrEqual(-1024);
      expect(max).toBeLessThanOrEqual(4095 - 1024);
    }
    expect(mismatches(hu.frames[0], hu.frames[1])).toBeGreaterThan(1000);
  });
});
