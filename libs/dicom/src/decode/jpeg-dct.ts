import { DicomError } from '../parse/errors.js';

// Natural (row-major) index of the k-th coefficient in zig-zag order.
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];

// COS[x * 8 + u] = C(u) cos((2x + 1) u pi / 16) / 2, so two passes give the 1/4 of the 2D inverse DCT.
const COS = new Float64Array(64).map((_, i) => {
  const x = i >> 3;
  const u = i & 7;
  return ((u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)) / 2;
});

interface Huffman {
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    valptr[l] = k;
    mincode[l] = code;
    code += counts[l - 1];
    k += counts[l - 1];
    maxcode[l] = counts[l - 1] ? code - 1 : -1;
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { maxcode, valptr, mincode, values };
}

function fail(message: string): never {
  throw new DicomError('DECODE_FAILED', `JPEG: ${message}`);
}

/**
 * A sequential Huffman DCT JPEG decoder (ISO 10918-1 baseline and extended, 8 or 12 bit, one component), for the
 * 12-bit extended syntax (1.2.840.10008.1.2.4.51) that the 8-bit libjpeg-turbo build cannot decode.
 * Floating-point inverse DCT: samples may differ from libjpeg's integer IDCT by one unit.
 */
export function decodeJpegDct(data: Uint8Array): {
  width: number;
  height: number;
  precision: number;
  samples: Uint16Array;
} {
  const quant: Int32Array[] = [];
  const dc: Huffman[] = [];
  const ac: Huffman[] = [];
  let frame: { precision: number; width: number; height: number; tq: number; id: number } | undefined;
  let restart = 0;
  let pos = 2;
  if (data[0] !== 0xff || data[1] !== 0xd8) fail('no SOI marker');
  const u16 = (p: number) => (p + 1 < data.length ? (data[p] << 8) | data[p + 1] : fail('truncated segment'));
  while (pos < data.length) {
    if (data[pos] !== 0xff) fail(`expected a marker at ${pos}`);
    const marker = data[pos + 1];
    pos += 2;
    if (marker === 0xff) {
      pos--;
      continue;
    }
    if (marker === 0xd9) break;
    const length = u16(pos);
    const end = pos + length;
    if (length < 2 || end > data.length) fail('segment runs past the end');
    let p = pos + 2;
    if (marker === 0xdb) {
      while (p < end) {
        const pq = data[p] >> 4;
        const tq = data[p++] & 15;
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++, p += pq ? 2 : 1) table[k] = pq ? u16(p) : data[p];
        quant[tq] = table;
      }
    } else if (marker === 0xc4) {
      while (p < end) {
        const tc = data[p] >> 4;
        const th = data[p++] & 15;
        const counts = data.subarray(p, p + 16);
        const total = counts.reduce((a, b) => a + b, 0);
        const values = data.subarray(p + 16, p + 16 + total);
        if (values.length !== total) fail('Huffman table runs past the end');
        (tc === 0 ? dc : ac)[th] = buildHuffman(counts, values);
        p += 16 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      const components = data[p + 5];
      if (components !== 1) fail(`${components} components (only grayscale is supported)`);
      frame = { precision: data[p], height: u16(p + 1), width: u16(p + 3), id: data[p + 6], tq: data[p + 8] & 15 };
      if (frame.precision !== 8 && frame.precision !== 12) fail(`precision ${frame.precision}`);
      if (!frame.width || !frame.height) fail('zero image size');
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new DicomError(
        'UNSUPPORTED_TRANSFER_SYNTAX',
        `JPEG SOF${marker - 0xc0} (progressive, lossless or arithmetic) in a sequential decoder`,
      );
    } else if (marker === 0xdd) {
      restart = u16(p);
    } else if (marker === 0xda) {
      if (!frame) fail('scan before frame header');
      const td = data[p + 2] >> 4;
      const ta = data[p + 2] & 15;
      const q = quant[frame.tq];
      if (!q || !dc[td] || !ac[ta]) fail('missing quantization or Huffman table');
      const samples = decodeScan(data, end, frame, q, dc[td], ac[ta], restart);
      return { width: frame.width, height: frame.height, precision: frame.precision, samples };
    }
    pos = end;
  }
  return fail('no scan');
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: { precision: number; width: number; height: number },
  q: Int32Array,
  dcTable: Huffman,
  acTable: Huffman,
  restart: number,
): Uint16Array {
  let pos = start;
  let bits = 0;
  let nbits = 0;
  let hitMarker = false;
  const bit = (): number => {
    if (nbits === 0) {
      if (hitMarker || pos >= data.length) fail('entropy-coded data ended early');
      let b = data[pos++];
      if (b === 0xff) {
        const next = data[pos];
        if (next === 0) pos++;
        else {
          hitMarker = true;
          pos--;
          b = 0;
        }
      }
      bits = b;
      nbits = 8;
    }
    nbits--;
    return (bits >> nbits) & 1;
  };
  const receive = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | bit();
    return v;
  };
  const extend = (v: number, t: number) => (v < 1 << (t - 1) ? v - (1 << t) + 1 : v);
  const decode = (h: Huffman): number => {
    let code = bit();
    let l = 1;
    while (code > h.maxcode[l]) {
      code = (code << 1) | bit();
      if (++l > 16) fail('bad Huffman code');
    }
    const i = h.valptr[l] + code - h.mincode[l];
    return i < h.values.length ? h.values[i] : fail('bad Huffman code');
  };
  const { width, height, precision } = frame;
  const bx = Math.ceil(width / 8);
  const by = Math.ceil(height / 8);
  const out = new Uint16Array(width * height);
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  const shift = 1 << (precision - 1);
  const max = (1 << precision) - 1;
  let pred = 0;
  for (let m = 0; m < bx * by; m++) {
    if (restart && m > 0 && m % restart === 0) {
      nbits = 0;
      hitMarker = false;
      while (pos + 1 < data.length && !(data[pos] === 0xff && data[pos + 1] >= 0xd0 && data[pos + 1] <= 0xd7)) pos++;
      pos += 2;
      pred = 0;
    }
    coef.fill(0);
    const t = decode(dcTable);
    pred += t ? extend(receive(t), t) : 0;
    coef[0] = pred * q[0];
    for (let k = 1; k < 64;) {
      const rs = decode(acTable);
      const s = rs & 15;
      const r = rs >> 4;
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) fail('coefficient index past 63');
      coef[ZIGZAG[k]] = extend(receive(s), s) * q[k];
      k++;
    }
    // Rows: tmp[v][x] = sum_u coef[v][u] c(x, u); columns: out[y][x] = sum_v tmp[v][x] c(y, v).
    for (let v = 0; v < 8; v++)
      for (let x = 0; x < 8; x++) {
        let sum = 0;
        for (let u = 0; u < 8; u++) sum += coef[v * 8 + u] * COS[x * 8 + u];
        tmp[v * 8 + x] = sum;
      }
    const x0 = (m % bx) * 8;
    const y0 = Math.floor(m / bx) * 8;
    for (let y = 0; y < 8 && y0 + y < height; y++)
      for (let x = 0; x < 8 && x0 + x < width; x++) {
        let sum = 0;
        for (let v = 0; v < 8; v++) sum += tmp[v * 8 + x] * COS[y * 8 + v];
        const s = Math.round(sum) + shift;
        out[(y0 + y) * width + x0 + x] = s < 0 ? 0 : s > max ? max : s;
      }
  }
  return out;
}
