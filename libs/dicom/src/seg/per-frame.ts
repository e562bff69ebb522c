import type { Code } from '../write/common.js';

/**
 * Explicit VR little endian bytes of a few element kinds, for the SEG's Per-frame Functional Groups Sequence, which is
 * written here rather than by dcmjs: its hundreds of items (one per frame) took dcmjs about half a second.
 * Sequences and items have undefined length, closed by delimiters.
 */
class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  raw(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** An element's tag, VR and value length (4-byte length for OB and SQ). */
export function header(group: number, element: number, vr: string, length: number): Uint8Array {
  const long = vr === 'SQ' || vr === 'OB';
  const b = new Uint8Array(long ? 12 : 8);
  const v = new DataView(b.buffer);
  v.setUint16(0, group, true);
  v.setUint16(2, element, true);
  b[4] = vr.charCodeAt(0);
  b[5] = vr.charCodeAt(1);
  if (long) v.setUint32(8, length, true);
  else v.setUint16(6, length, true);
  return b;
}

/** A text element (UI padded with NUL, others with a space to an even length). */
export function text(group: number, element: number, vr: string, value: string): Uint8Array {
  const even = value.length + (value.length % 2);
  const h = header(group, element, vr, even);
  const out = new Uint8Array(h.length + even);
  out.set(h);
  for (let i = 0; i < value.length; i++) out[h.length + i] = value.charCodeAt(i) & 0x7f;
  if (even > value.length) out[out.length - 1] = vr === 'UI' ? 0 : 0x20;
  return out;
}

function binary(group: number, element: number, vr: 'US' | 'UL', values: number[]): Uint8Array {
  const size = vr === 'US' ? 2 : 4;
  const h = header(group, element, vr, values.length * size);
  const out = new Uint8Array(h.length + values.length * size);
  out.set(h);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => (vr === 'US' ? v.setUint16 : v.setUint32).call(v, h.length + i * size, x, true));
  return out;
}

const ITEM = new Uint8Array([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
const ITEM_END = new Uint8Array([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]);
const SEQ_END = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);

/** A sequence of the given items' contents. */
function sequence(w: Writer, group: number, element: number, items: Uint8Array[][]): void {
  w.raw(header(group, element, 'SQ', 0xffffffff));
  for (const item of items) {
    w.raw(ITEM);
    for (const e of item) w.raw(e);
    w.raw(ITEM_END);
  }
  w.raw(SEQ_END);
}

/** The bytes of a one-item sequence, for nesting as an element. */
function nested(group: number, element: number, items: Uint8Array[][]): Uint8Array {
  const w = new Writer();
  sequence(w, group, element, items);
  return w.bytes();
}

function codeElements(c: Code): Uint8Array[] {
  return [
    text(0x0008, 0x0100, 'SH', c.value),
    text(0x0008, 0x0102, 'SH', c.scheme),
    text(0x0008, 0x0104, 'LO', c.meaning),
  ];
}

/** DS text of a number as dcmjs writes it (at most 16 characters). */
export function decimalString(value: number): string {
  const s = String(value);
  if (s.length <= 16) return s;
  const sign = value < 0 ? 1 : 0;
  const log = Math.log10(Math.abs(value));
  if (log < -4 || log >= 14 - sign) {
    const e = value.toExponential(16 - sign);
    return e.length <= 16 ? e : value.toExponential(16 - (e.length - 16) - sign);
  }
  const f = value.toFixed(16 - sign);
  return f.length <= 16 ? f : value.toFixed(16 - sign - (f.length - 16));
}

export interface FrameSource {
  sopClassUid: string;
  sopInstanceUid: string;
  imagePositionPatient: [number, number, number];
}

/**
 * PerFrameFunctionalGroupsSequence (5200,9230) of a binary SEG: per frame its source image (derivation), dimension
 * index values (segment number, slice k + 1), plane position and segment number.
 */
export function perFrameGroups(frames: { s: number; k: number }[], slices: FrameSource[]): Uint8Array {
  const purpose = nested(0x0040, 0xa170, [
    codeElements({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' }),
  ]);
  const derivationCode = nested(0x0008, 0x9215, [
    codeElements({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' }),
  ]);
  const perSlice = new Map<number, { derivation: Uint8Array; position: Uint8Array }>();
  const ofSlice = (k: number) => {
    let e = perSlice.get(k);
    if (!e) {
      const src = slices[k];
      const source = nested(0x0008, 0x2112, [
        [text(0x0008, 0x1150, 'UI', src.sopClassUid), text(0x0008, 0x1155, 'UI', src.sopInstanceUid), purpose],
      ]);
      const position = text(0x0020, 0x0032, 'DS', src.imagePositionPatient.map(decimalString).join('\\'));
      e = { derivation: nested(0x0008, 0x9124, [[source, derivationCode]]), position };
      perSlice.set(k, e);
    }
    return e;
  };
  const w = new Writer();
  sequence(
    w,
    0x5200,
    0x9230,
    frames.map(({ s, k }) => {
      const e = ofSlice(k);
      return [
        e.derivation,
        nested(0x0020, 0x9111, [[binary(0x0020, 0x9157, 'UL', [s + 1, k + 1])]]),
        nested(0x0020, 0x9113, [[e.position]]),
        nested(0x0062, 0x000a, [[binary(0x0062, 0x000b, 'US', [s + 1])]]),
      ];
    }),
  );
  return w.bytes();
}
