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
  let integral = true;
  stored.forEach((s, f) => {
    const { slope, intercept } = info.frames[f];
    if (!Number.isInteger(slope) || !Number.isInteger(intercept)) integral = false;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v >= lo && v <= hi) continue;
      const hu = v * slope + intercept;
      if (hu < -32768 || hu > 32767) integral = false;
    }
  });
  let padded = 0;
  const frames = stored.map((s, f) => {
    const { slope, intercept } = info.frames[f];
    const out = integral ? new Int16Array(s.length) : new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v >= lo && v <= hi) {
        out[i] = PADDING_HU;
        padded++;
      } else out[i] = v * slope + intercept;
    }
    return out;
  });
  return { frames: frames as Int16Array[] | Float32Array[], info, padded };
}
