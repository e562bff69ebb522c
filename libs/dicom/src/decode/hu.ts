import { imageInfo, type ImageInfo } from '../parse/image.js';
import type { DicomFile } from '../parse/parse.js';
import { DicomError } from '../parse/errors.js';
import { decodeFrames, decodeSamples, samplesInto, storedBits } from './pixels.js';

/**
 * The value given to padding pixels (PixelPaddingValue / PixelPaddingRangeLimit, outside the reconstructed field of
 * view): air, so that they do not read as an implausible -3024 HU and need no separate mask.
 */
export const PADDING_HU = -1024;

export interface HuFrames {
  /** One array per frame, rows x columns, row-major. Int16 when every rescale is integral and the range fits. */
  frames: Int16Array[] | Float32Array[];
  info: ImageInfo;
  /** Number of pixels (all frames) that were padding and set to PADDING_HU. */
  padded: number;
}

/** Hounsfield units of every frame, from each frame's own RescaleSlope/Intercept, padding set to PADDING_HU. */
export async function readHu(file: DicomFile): Promise<HuFrames> {
  const info = imageInfo(file);
  if (!info) throw new DicomError('NO_PIXEL_DATA', 'object has no pixel data');
  const samples = await decodeSamples(file, info);
  // Common case in one pass per frame: stored value, padding and an integral rescale straight into Int16.
  if (info.frames.every((f) => Number.isInteger(f.slope) && Number.isInteger(f.intercept))) {
    const scratch = new Int32Array(info.rows * info.columns);
    const { lo, hi } = paddingRange(info);
    const frames: Int16Array[] = [];
    let padded = 0;
    for (const [f, raw] of samples.entries()) {
      const out = new Int16Array(scratch.length);
      const n = rescale16(samplesInto(raw, info, scratch), out, info, f, lo, hi);
      if (n < 0) break;
      padded += n;
      frames.push(out);
    }
    if (frames.length === samples.length) return { frames, info, padded };
  }
  return toHu(await decodeFrames(file, info), info);
}

function paddingRange(info: ImageInfo): { lo: number; hi: number } {
  const { paddingValue: pv, paddingRangeLimit: limit } = info;
  return {
    lo: pv === undefined ? Infinity : limit === undefined ? pv : Math.min(pv, limit),
    hi: pv === undefined ? -Infinity : limit === undefined ? pv : Math.max(pv, limit),
  };
}

/**
 * Rescales one frame of codec samples (as Int32) into Int16, padding in [lo, hi] set to PADDING_HU: the number of
 * padding pixels, or -1 when a value does not fit.
 */
function rescale16(s: Int32Array, out: Int16Array, info: ImageInfo, f: number, lo: number, hi: number): number {
  const { signed, shift, up, mask } = storedBits(info);
  const { slope, intercept } = info.frames[f];
  let padded = 0;
  let min = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const v = signed ? ((s[i] >>> shift) << up) >> up : (s[i] >>> shift) & mask;
    if (v >= lo && v <= hi) {
      out[i] = PADDING_HU;
      padded++;
      continue;
    }
    const h = v * slope + intercept;
    out[i] = h;
    if (h < min) min = h;
    else if (h > max) max = h;
  }
  return min < -32768 || max > 32767 ? -1 : padded;
}

/** Float32 HU of every frame (a rescale that is not integral, or values beyond Int16). */
function toHu(stored: Int32Array[], info: ImageInfo): HuFrames {
  const { lo, hi } = paddingRange(info);
  let padded = 0;
  const frames = stored.map((s, f) => {
    const { slope, intercept } = info.frames[f];
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v >= lo && v <= hi) {
        out[i] = PADDING_HU;
        padded++;
      } else out[i] = v * slope + intercept;
    }
    return out;
  });
  return { frames, info, padded };
}
