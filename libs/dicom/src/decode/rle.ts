import { DicomError } from '../parse/errors.js';

/**
 * DICOM RLE Lossless (PS3.5 annex G): a 64-byte header of segment offsets, one PackBits segment per byte plane,
 * most significant byte first. Returns little-endian sample bytes, `bytesPerSample` per pixel.
 */
export function decodeRle(frame: Uint8Array, pixels: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64) throw new DicomError('TRUNCATED', 'RLE header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample)
    throw new DicomError('BAD_VALUE', `RLE has ${segments} segments, expected ${bytesPerSample}`);
  const out = new Uint8Array(pixels * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > end || end > frame.length) throw new DicomError('BAD_LENGTH', `RLE segment ${s} offsets`);
    // Segment 0 holds the most significant byte.
    const byteIndex = bytesPerSample - 1 - s;
    let o = 0;
    let p = start;
    while (p < end && o < pixels) {
      const n = (frame[p++] << 24) >> 24;
      if (n >= 0) {
        for (let i = 0; i <= n && p < end && o < pixels; i++) out[o++ * bytesPerSample + byteIndex] = frame[p++];
      } else if (n !== -128) {
        const v = frame[p++];
        for (let i = 0; i < 1 - n && o < pixels; i++) out[o++ * bytesPerSample + byteIndex] = v;
      }
    }
    if (o < pixels) throw new DicomError('TRUNCATED', `RLE segment ${s} gives ${o} of ${pixels} pixels`);
  }
  return out;
}
