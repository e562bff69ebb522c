import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded 2D grayscale image (row-major, one value per pixel). */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

export function isPng(bytes: Uint8Array): boolean {
  return PNG_MAGIC.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8;
}

function rgbaToGray(rgba: Uint8Array, n: number): Uint8Array {
  const g = new Uint8Array(n);
  for (let p = 0; p < n; p++)
    g[p] = Math.round(0.299 * rgba[4 * p] + 0.587 * rgba[4 * p + 1] + 0.114 * rgba[4 * p + 2]);
  return g;
}

function decodeRgba(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: png.data };
    }
    if (isJpeg(bytes)) {
      const im = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: im.width, height: im.height, rgba: im.data };
    }
  } catch (err) {
    throw new ImageFormatError(`cannot decode image: ${(err as Error).message}`);
  }
  throw new ImageFormatError('not a PNG or JPEG image');
}

/** Decodes PNG or JPEG bytes to 8-bit grayscale (colour images by luma). */
export function decodeGray(bytes: Uint8Array): GrayImage {
  const { width, height, rgba } = decodeRgba(bytes);
  return { width, height, pixels: rgbaToGray(rgba, width * height) };
}

/**
 * Decodes a label PNG to classes 0 background, 1 GGO, 2 consolidation. Accepted encodings: grey values 0/1/2,
 * grey 0/128/255 (any grey v > 2 maps to round(v / 127.5)), or a colour palette where red marks GGO and green
 * consolidation (the MedSeg / Inf-Net convention).
 */
export function decodeLabels(bytes: Uint8Array): GrayImage {
  const { width, height, rgba } = decodeRgba(bytes);
  const n = width * height;
  const out = new Uint8Array(n);
  let colour = false;
  for (let p = 0; p < n && !colour; p++) colour = rgba[4 * p] !== rgba[4 * p + 1] || rgba[4 * p] !== rgba[4 * p + 2];
  let max = 0;
  for (let p = 0; p < n; p++) max = Math.max(max, rgba[4 * p]);
  for (let p = 0; p < n; p++) {
    const r = rgba[4 * p];
    const g = rgba[4 * p + 1];
    if (colour) out[p] = r > g && r > 0 ? 1 : g > r ? 2 : 0;
    else out[p] = max <= 2 ? r : Math.round(r / 127.5);
  }
  return { width, height, pixels: out };
}

/** Encodes an 8-bit single-channel image as a grey PNG (values written as is). */
export function encodeGrayPng(img: GrayImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(img.pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}
