import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DicomError, parseDicom, readHu } from '@mic/dicom';
import { dataFile } from './support.js';

// Small real files, one per code path: native LE/BE/implicit, deflated, RLE, JPEG-LS, JPEG 2000, JPEG lossless.
const SEEDS = [
  ['pydicom', 'CT_small.dcm'],
  ['pydicom', 'MR_small_bigendian.dcm'],
  ['pydicom', 'MR_small_implicit.dcm'],
  ['pydicom', 'image_dfl.dcm'],
  ['pydicom', 'MR_small_RLE.dcm'],
  ['pydicom', 'MR_small_jpeg_ls_lossless.dcm'],
  ['pydicom', 'MR_small_jp2klossless.dcm'],
  ['pydicom-data', 'JPGLosslessP14SV1_1s_1f_8b.dcm'],
].map((p) => dataFile('pydicom-testfiles', ...p));

/** Parse and decode; resolves 'ok' or the error code, rethrows anything that is not a DicomError. */
async function read(bytes: Uint8Array): Promise<string> {
  try {
    const file = parseDicom(bytes);
    if (file.pixelData) await readHu(file);
    return 'ok';
  } catch (err) {
    if (err instanceof DicomError) return err.code;
    throw err;
  }
}

const mutation = fc.record({
  seed: fc.nat(SEEDS.length - 1),
  // Most edits land in the first 2 KiB, where the headers and lengths are.
  edits: fc.array(fc.tuple(fc.oneof(fc.nat(2047), fc.nat(1 << 20)), fc.nat(255)), { minLength: 1, maxLength: 8 }),
  cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 2 }),
});

describe('reader fuzzing', () => {
  it('reads every seed file unmutated', async () => {
    for (const s of SEEDS) expect(await read(s)).toBe('ok');
  });

  it('ends every mutated or truncated file in a result or a DicomError', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutation, async ({ seed, edits, cut }) => {
        const src = SEEDS[seed];
        const bytes = src.slice(0, cut === null ? src.length : Math.floor(src.length * cut));
        for (const [pos, value] of edits) if (bytes.length) bytes[pos % bytes.length] = value;
        const outcome = await read(bytes);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }),
      { numRuns: 1200, seed: 20240601 },
    );
    // The inputs really were broken in several ways, and some still decoded.
    expect(seen.get('ok')).toBeGreaterThan(0);
    expect(seen.get('TRUNCATED')).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });
});
