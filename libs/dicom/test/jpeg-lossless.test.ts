import { describe, expect, it } from '@jest/globals';
import { Decoder } from 'jpeg-lossless-decoder-js';
import { DicomError } from '@mic/dicom';
import { decodeJpegLossless } from '../src/decode/jpeg-lossless.js';

// Code lengths 2..14 for the 17 difference categories: codes longer than the decoder's lookup take its slow path.
const COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
const SYMBOLS = Array.from({ length: 17 }, (_, i) => i);

interface EncodeOptions {
  width: number;
  height: number;
  precision: number;
  predictor: number;
  pointTransform?: number;
  /** Restart interval in samples (0: none). */
  restart?: number;
}

function predict(out: number[], x: number, y: number, o: EncodeOptions, first: boolean, bits: number): number {
  const i = y * o.width + x;
  if (first) return x === 0 ? 1 << (bits - 1) : out[i - 1];
  if (x === 0) return out[i - o.width];
  const [a, b, c] = [out[i - 1], out[i - o.width], out[i - o.width - 1]];
  return [0, a, b, c, a + b - c, a + ((b - c) >> 1), b + ((a - c) >> 1), (a + b) >> 1][o.predictor];
}

/** A small lossless JPEG encoder (ISO 10918-1 process 14, one component), the reference the decoder must invert. */
function encode(samples: number[], o: EncodeOptions): Uint8Array {
  const pt = o.pointTransform ?? 0;
  const codes: { code: number; len: number }[] = [];
  let code = 0;
  let k = 0;
  COUNTS.forEach((n, l) => {
    for (let i = 0; i < n; i++) codes[SYMBOLS[k++]] = { code: code++, len: l + 1 };
    code <<= 1;
  });
  const bytes: number[] = [];
  let acc = 0;
  let n = 0;
  const put = (v: number, len: number) => {
    for (let b = len - 1; b >= 0; b--) {
      acc = (acc << 1) | ((v >> b) & 1);
      if (++n === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0);
        acc = 0;
        n = 0;
      }
    }
  };
  const flush = () => {
    if (n) put(0xff, 8 - n);
  };
  const shifted = samples.map((v) => v >> pt);
  const lines = o.restart ? o.restart / o.width : Infinity;
  for (let y = 0; y < o.height; y++) {
    const first = y % lines === 0;
    if (first && y > 0) {
      flush();
      bytes.push(0xff, 0xd0 + ((y / lines - 1) % 8));
    }
    for (let x = 0; x < o.width; x++) {
      const px = predict(shifted, x, y, o, y === 0 || first, o.precision - pt);
      let d = (shifted[y * o.width + x] - px) & 0xffff;
      if (d >= 32768) d -= 65536;
      const s = d === -32768 ? 16 : d === 0 ? 0 : Math.floor(Math.log2(Math.abs(d))) + 1;
      put(codes[s].code, codes[s].len);
      if (s > 0 && s < 16) put(d < 0 ? d + (1 << s) - 1 : d, s);
    }
  }
  flush();
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 255,
    ...body,
  ];
  return new Uint8Array([
    0xff,
    0xd8,
    ...segment(0xc4, [0x00, ...COUNTS, ...SYMBOLS]),
    ...(o.restart ? segment(0xdd, [o.restart >> 8, o.restart & 255]) : []),
    ...segment(0xc3, [o.precision, o.height >> 8, o.height & 255, o.width >> 8, o.width & 255, 1, 1, 0x11, 0]),
    ...segment(0xda, [1, 1, 0x00, o.predictor, 0, pt]),
    ...bytes,
    0xff,
    0xd9,
  ]);
}

/** A CT-like test image: smooth ramps, noise and a few full-range jumps (every difference category). */
function image(width: number, height: number, precision: number, pt = 0): number[] {
  const max = 2 ** precision - 1;
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    const v = i % 97 === 0 ? (i % 2 ? max : 0) : (x * 37 + y * 11 + Math.floor(rand() * 40)) % (max + 1);
    return (v >> pt) << pt;
  });
}

describe('JPEG lossless decoder', () => {
  for (let predictor = 1; predictor <= 7; predictor++)
    it(`inverts the encoder with predictor ${predictor}`, () => {
      const o = { width: 37, height: 23, precision: 16, predictor };
      const px = image(o.width, o.height, 16);
      const jpeg = encode(px, o);
      const r = decodeJpegLossless(jpeg, 2)!;
      expect([r.width, r.height, r.precision]).toEqual([37, 23, 16]);
      expect(Array.from(r.samples)).toEqual(px);
      // The encoder is a fair reference: the other decoder reads the same values (given padding before EOI), except
      // with predictor 7, where it halves Ra + Rb without rounding down and so wraps differently at full-range jumps.
      if (predictor === 7) return;
      const padded = new Uint8Array(jpeg.length + 4);
      padded.set(jpeg.subarray(0, -2));
      padded.set([0xff, 0xd9], jpeg.length + 2);
      expect(Array.from(new Decoder().decode(padded.buffer, 0, padded.length, 2)).slice(0, px.length)).toEqual(px);
    });

  it('applies the point transform and decodes 8-bit samples', () => {
    const o12 = { width: 20, height: 9, precision: 12, predictor: 6, pointTransform: 2 };
    const px12 = image(20, 9, 12, 2);
    expect(Array.from(decodeJpegLossless(encode(px12, o12), 2)!.samples)).toEqual(px12);
    const o8 = { width: 16, height: 5, precision: 8, predictor: 1 };
    const px8 = image(16, 5, 8);
    const r = decodeJpegLossless(encode(px8, o8), 1)!;
    expect(r.samples).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.samples)).toEqual(px8);
  });

  it('restarts prediction after each restart marker (intervals of whole lines)', () => {
    const o = { width: 19, height: 21, precision: 16, predictor: 4, restart: 19 * 2 };
    const px = image(19, 21, 16);
    expect(Array.from(decodeJpegLossless(encode(px, o), 2)!.samples)).toEqual(px);
  });

  it('leaves restart intervals that split lines, and several components, to the other decoder', () => {
    const o = { width: 10, height: 4, precision: 16, predictor: 1 };
    const jpeg = encode(image(10, 4, 16), o);
    const split = Uint8Array.from(encode(image(10, 4, 16), { ...o, restart: 5 }));
    expect(decodeJpegLossless(split, 2)).toBeUndefined();
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc3);
    const three = Uint8Array.from(jpeg);
    three[sof + 9] = 3;
    expect(decodeJpegLossless(three, 2)).toBeUndefined();
  });

  it('fails with a DicomError on truncated data or a missing SOI, never hangs', () => {
    const jpeg = encode(image(30, 30, 16), { width: 30, height: 30, precision: 16, predictor: 1 });
    const cut = new Uint8Array([...jpeg.subarray(0, jpeg.length - 200), 0xff, 0xd9]);
    for (const bad of [cut, jpeg.subarray(2), jpeg.subarray(0, 40)]) {
      let err: unknown;
      try {
        decodeJpegLossless(bad, 2);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DicomError);
      expect((err as DicomError).code).toBe('DECODE_FAILED');
    }
  });
});
