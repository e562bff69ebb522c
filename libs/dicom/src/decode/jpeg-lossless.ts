import { DicomError } from '../parse/errors.js';

/** One decoded lossless JPEG frame (single component). */
export interface LosslessFrame {
  width: number;
  height: number;
  precision: number;
  samples: Uint8Array | Uint16Array;
}

/** Bits looked up at once: codes up to this length, and short codes with their extra bits, decode in one step. */
const LOOK = 10;

/** A Huffman table of the lossless process: a lookup table for short codes and the canonical limits for longer. */
interface Table {
  /** Per LOOK-bit prefix: 0 (longer code), else bit 0 set = whole difference (bits 6+) and bits 1-5 consumed;
   *  bit 0 clear = the code only (bits 1-5 its length, bits 6+ the number of extra bits). */
  fast: Int32Array;
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

const fail = (why: string): never => {
  throw new DicomError('DECODE_FAILED', `JPEG lossless: ${why}`);
};

/** The signed difference of `s` extra bits `v` (JPEG F.2.2.1 EXTEND). */
const extend = (v: number, s: number) => (v < 1 << (s - 1) ? v - (1 << s) + 1 : v);

function buildTable(counts: Uint8Array, values: Uint8Array): Table {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  const fast = new Int32Array(1 << LOOK);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    valptr[len] = k;
    mincode[len] = code;
    for (let i = 0; i < counts[len - 1]; i++, k++, code++) {
      const s = values[k];
      if (s > 16) fail(`difference category ${s}`);
      if (len > LOOK) continue;
      const shift = LOOK - len;
      for (let rest = 0; rest < 1 << shift; rest++) {
        const look = (code << shift) | rest;
        if (s === 0 || s === 16) fast[look] = ((s === 16 ? 32768 : 0) << 6) | (len << 1) | 1;
        else if (len + s <= LOOK) fast[look] = (extend(rest >> (shift - s), s) * 64) | ((len + s) << 1) | 1;
        else fast[look] = (s << 6) | (len << 1);
      }
    }
    if (counts[len - 1]) maxcode[len] = code - 1;
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { fast, maxcode, valptr, mincode, values };
}

/** Entropy-coded bits, 0xFF00 unstuffed; past a marker it reads zeros (and counts them, to detect truncation). */
class Bits {
  acc = 0;
  n = 0;
  phantom = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  /** At least 25 valid bits in acc. */
  fill(): void {
    const data = this.data;
    while (this.n <= 24) {
      let b = 0;
      if (this.pos < data.length && !(data[this.pos] === 0xff && data[this.pos + 1] !== 0)) {
        b = data[this.pos];
        this.pos += b === 0xff ? 2 : 1;
      } else this.phantom++;
      this.acc = (this.acc << 8) | b;
      this.n += 8;
    }
  }

  /** The next Huffman-coded difference. */
  diff(t: Table): number {
    if (this.n < 26) this.fill();
    const e = t.fast[(this.acc >>> (this.n - LOOK)) & ((1 << LOOK) - 1)];
    if (e & 1) {
      this.n -= (e >> 1) & 31;
      return e >> 6;
    }
    let s: number;
    if (e !== 0) {
      this.n -= (e >> 1) & 31;
      s = e >> 6;
    } else {
      let len = LOOK + 1;
      let code = (this.acc >>> (this.n - len)) & ((1 << len) - 1);
      while (code > t.maxcode[len]) code = (this.acc >>> (this.n - ++len)) & ((1 << len) - 1);
      if (len > 16) fail('bad Huffman code');
      this.n -= len;
      s = t.values[t.valptr[len] + code - t.mincode[len]];
      if (s === 0) return 0;
      if (s === 16) return 32768;
    }
    if (this.n < s) this.fill();
    this.n -= s;
    return extend((this.acc >>> this.n) & ((1 << s) - 1), s);
  }

  /** Fails when the codes read ran past the data (zeros were read as codes). */
  checkEnd(): void {
    if (this.phantom * 8 > this.n) fail('entropy-coded data is truncated');
  }

  /** Skips to just past the restart marker that must come next. */
  restart(): void {
    this.checkEnd();
    this.phantom = 0;
    this.acc = 0;
    this.n = 0;
    const d = this.data;
    let p = this.pos;
    while (p < d.length && !(d[p] === 0xff && d[p + 1] >= 0xd0 && d[p + 1] <= 0xd7)) p++;
    if (p >= d.length) fail('missing restart marker');
    this.pos = p + 2;
  }
}

/**
 * Decodes a single-component lossless JPEG (ISO 10918-1 process 14, any predictor, point transform, restart
 * intervals of whole lines). Returns undefined for layouts it does not handle (several components or scans,
 * restart intervals that split lines, lines given by DNL), which another decoder then takes.
 */
export function decodeJpegLossless(data: Uint8Array, bytesPerSample: 1 | 2): LosslessFrame | undefined {
  if (data[0] !== 0xff || data[1] !== 0xd8) fail('no SOI marker');
  const tables: (Table | undefined)[] = [];
  let width = 0;
  let height = 0;
  let precision = 0;
  let restartInterval = 0;
  let p = 2;
  for (;;) {
    if (p + 4 > data.length) fail('no scan before the end of data');
    if (data[p] !== 0xff) fail(`marker expected at byte ${p}`);
    const m = data[p + 1];
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    const len = (data[p + 2] << 8) | data[p + 3];
    const seg = data.subarray(p + 4, p + 2 + len);
    if (seg.length !== len - 2) fail(`segment 0xFF${m.toString(16)} is truncated`);
    if (m === 0xc3) {
      precision = seg[0];
      height = (seg[1] << 8) | seg[2];
      width = (seg[3] << 8) | seg[4];
      if (seg[5] !== 1 || height === 0) return undefined;
      if (precision < 2 || precision > 16 || width === 0) fail(`bad frame header (precision ${precision})`);
    } else if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return undefined;
    else if (m === 0xc4) {
      for (let q = 0; q < seg.length;) {
        const counts = seg.subarray(q + 1, q + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        if (counts.length < 16 || q + 17 + total > seg.length) fail('truncated Huffman table');
        tables[seg[q] & 15] = buildTable(counts, seg.subarray(q + 17, q + 17 + total));
        q += 17 + total;
      }
    } else if (m === 0xdd) restartInterval = (seg[0] << 8) | seg[1];
    else if (m === 0xda) {
      if (!width) fail('scan before the frame header');
      if (seg[0] !== 1) return undefined;
      const table = tables[seg[2] >> 4] ?? fail('scan uses an undefined Huffman table');
      const predictor = seg[3];
      const pt = seg[5] & 15;
      if (predictor < 1 || predictor > 7) fail(`predictor ${predictor}`);
      if (restartInterval % width !== 0) return undefined;
      const out = bytesPerSample === 1 ? new Uint8Array(width * height) : new Uint16Array(width * height);
      scan(new Bits(data, p + 2 + len), table, out, width, height, predictor, precision - pt, restartInterval / width);
      if (pt) for (let i = 0; i < out.length; i++) out[i] <<= pt;
      return { width, height, precision, samples: out };
    } else if (m === 0xd9) fail('no scan before EOI');
    p += 2 + len;
  }
}

function scan(
  bits: Bits,
  table: Table,
  out: Uint8Array | Uint16Array,
  width: number,
  height: number,
  predictor: number,
  bitsPerSample: number,
  linesPerInterval: number,
): void {
  const initial = 1 << (bitsPerSample - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const fresh = linesPerInterval > 0 && y % linesPerInterval === 0;
    if (fresh && y > 0) bits.restart();
    if (y === 0 || fresh) {
      // First line of the image or of a restart interval: the left neighbour, the first sample from the mid-value.
      let prev = (initial + bits.diff(table)) & 0xffff;
      out[row] = prev;
      for (let x = 1; x < width; x++) out[row + x] = prev = (prev + bits.diff(table)) & 0xffff;
      continue;
    }
    const up = row - width;
    out[row] = (out[up] + bits.diff(table)) & 0xffff;
    if (predictor === 1) {
      let prev = out[row];
      for (let x = 1; x < width; x++) out[row + x] = prev = (prev + bits.diff(table)) & 0xffff;
      continue;
    }
    for (let x = 1; x < width; x++) {
      const a = out[row + x - 1];
      const b = out[up + x];
      const c = out[up + x - 1];
      let px: number;
      switch (predictor) {
        case 2:
          px = b;
          break;
        case 3:
          px = c;
          break;
        case 4:
          px = a + b - c;
          break;
        case 5:
          px = a + ((b - c) >> 1);
          break;
        case 6:
          px = b + ((a - c) >> 1);
          break;
        default:
          px = (a + b) >> 1;
      }
      out[row + x] = (px + bits.diff(table)) & 0xffff;
    }
  }
  bits.checkEnd();
}
