import { imageInfo, type ImageInfo } from '../parse/image.js';
import type { DicomFile } from '../parse/parse.js';
import { DicomError } from '../parse/errors.js';
import { decodeFrames } from './pixels.js';

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
  const stored = await decodeFrames(file, info);
  return toHu(stored, info);
}

export function toHu(stored: Int32Array[], info: ImageInfo): HuFrames {
  const { paddingValue: pv, paddingRangeLimit: limit } = info;
  const lo = pv === undefined ? Infinity : limit === undefined ? pv : Math.min(pv, limit);
  const hi = pv === undefined ? -Infinity : limit === undefined ? pv : Math.max(pv, limit);
  // Int16 when every frame's rescale is integral and every value fits; tried first, Float32 otherwise.
  if (info.frames.every((f) => Number.isInteger(f.slope) && Number.isInteger(f.intercept))) {
    let padded = 0;
    const frames: Int16Array[] = [];
    for (const [f, s] of stored.entries()) {
      const out = new Int16Array(s.length);
      const n = rescale16(s, out, info.frames[f].slope, info.frames[f].intercept, lo, hi);
      if (n < 0) break;
      padded += n;
      frames.push(out);
    }
    if (frames.length === stored.length) return { frames, info, padded };
  }
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

/** Rescales into Int16 (padding in [lo, hi] set to PADDING_HU); the number of padding pixels, -1 if a value overflows. */
function rescale16(s: Int32Array, out: Int16Array, slope: number, intercept: number, lo: number, hi: number): number {
  let padded = 0;
  let min = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
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
