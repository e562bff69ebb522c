import { deflateRawSync, inflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';

/**
 * A byte-exact DICOM element tree. De-identification edits values at this level (not through a text decoder) so
 * that retained strings keep their original bytes in any character set, ISO 2022 escapes included.
 */
export interface Element {
  tag: number;
  vr: string;
  /** Raw value bytes (absent for sequences and encapsulated pixel data). */
  value?: Uint8Array;
  items?: Element[][];
  /** Encapsulated pixel data: the basic offset table followed by the fragments. */
  fragments?: Uint8Array[];
}

export interface Encoding {
  explicit: boolean;
  littleEndian: boolean;
  deflated: boolean;
}

export interface ParsedFile {
  meta: Element[];
  dataset: Element[];
  transferSyntax: string;
}

export class DicomFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DicomFormatError';
  }
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
export const PIXEL_DATA = 0x7fe00010;

export function encodingOf(ts: string): Encoding {
  switch (ts) {
    case '1.2.840.10008.1.2':
      return { explicit: false, littleEndian: true, deflated: false };
    case '1.2.840.10008.1.2.2':
      return { explicit: true, littleEndian: false, deflated: false };
    case '1.2.840.10008.1.2.1.99':
      return { explicit: true, littleEndian: true, deflated: true };
    default:
      return { explicit: true, littleEndian: true, deflated: false };
  }
}

export function tagKey(tag: number): string {
  return tag.toString(16).padStart(8, '0').toUpperCase();
}

/** The VR of a tag from the data dictionary, for implicit VR data. */
export function dictionaryVr(tag: number): string {
  const group = tag >>> 16;
  const elem = tag & 0xffff;
  if (elem === 0) return 'UL';
  if (group % 2 === 1) return elem >= 0x10 && elem <= 0xff ? 'LO' : 'UN';
  if (group >= 0x6000 && group <= 0x60ff) return elem === 0x3000 ? 'OW' : 'UN';
  const k = tagKey(tag);
  const entry = dcmjs.data.DicomMetaDictionary.dictionary[`(${k.slice(0, 4)},${k.slice(4)})`];
  const vr = entry?.vr ?? 'UN';
  if (vr === 'ox' || vr === 'OB or OW') return 'OW';
  if (vr.length !== 2) return vr.slice(0, 2);
  return vr;
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly view: DataView,
    readonly le: boolean,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new DicomFormatError(`truncated at byte ${this.pos} (needs ${n} more, has ${this.buf.length - this.pos})`);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, this.le);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, this.le);
    this.pos += 4;
    return v;
  }
  tag(): number {
    const g = this.u16();
    return ((g << 16) | this.u16()) >>> 0;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function parseItems(r: Reader, length: number, enc: Encoding): Element[][] {
  const items: Element[][] = [];
  const end = length === UNDEFINED ? Infinity : r.pos + length;
  while (r.pos < end) {
    const tag = r.tag();
    const len = r.u32();
    if (tag === SEQ_END) break;
    if (tag !== ITEM) throw new DicomFormatError(`expected an item in a sequence at byte ${r.pos - 8}`);
    items.push(parseElements(r, len, enc, true));
  }
  if (length !== UNDEFINED && r.pos !== end) throw new DicomFormatError('sequence length does not match its items');
  return items;
}

function parseFragments(r: Reader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (;;) {
    const tag = r.tag();
    const len = r.u32();
    if (tag === SEQ_END) return out;
    if (tag !== ITEM) throw new DicomFormatError('bad encapsulated pixel data fragment');
    out.push(r.bytes(len));
  }
}

function parseElements(
  r: Reader,
  length: number,
  enc: Encoding,
  inItem: boolean,
  stopAt?: (tag: number) => boolean,
): Element[] {
  const out: Element[] = [];
  const end = length === UNDEFINED ? r.buf.length : r.pos + length;
  if (end > r.buf.length) throw new DicomFormatError('item length runs past the end of the file');
  while (r.pos < end) {
    const tag = r.tag();
    if (stopAt?.(tag)) {
      r.pos -= 4;
      return out;
    }
    if (tag === ITEM_END) {
      r.u32();
      if (!inItem) throw new DicomFormatError('item delimiter outside an item');
      return out;
    }
    let vr: string;
    let len: number;
    if (enc.explicit && tag >>> 16 !== 0xfffe) {
      const b = r.bytes(2);
      vr = String.fromCharCode(b[0], b[1]);
      if (!/^[A-Z]{2}$/.test(vr)) throw new DicomFormatError(`invalid VR at byte ${r.pos - 2} (tag ${tagKey(tag)})`);
      if (LONG_VRS.has(vr)) {
        r.bytes(2);
        len = r.u32();
      } else len = r.u16();
    } else {
      vr = dictionaryVr(tag);
      len = r.u32();
    }
    if (vr === 'SQ' || (len === UNDEFINED && tag !== PIXEL_DATA)) {
      // An undefined-length UN is a sequence encoded in implicit VR little endian (PS3.5 6.2.2).
      const inner = vr === 'SQ' ? enc : { ...enc, explicit: false };
      out.push({ tag, vr: 'SQ', items: parseItems(r, len, inner) });
    } else if (len === UNDEFINED) {
      out.push({ tag, vr, fragments: parseFragments(r) });
    } else {
      out.push({ tag, vr, value: r.bytes(len) });
    }
  }
  if (inItem && length === UNDEFINED) throw new DicomFormatError('item without a delimiter');
  return out;
}

export function asciiValue(el: Element | undefined): string | undefined {
  if (!el?.value) return undefined;
  return Buffer.from(el.value)
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
}

/** Parses a Part 10 file (or a bare implicit VR little endian dataset) into element trees. */
export function parseFile(input: Uint8Array): ParsedFile {
  const buf = input;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hasPrefix = buf.length >= 132 && Buffer.from(buf.subarray(128, 132)).toString('latin1') === 'DICM';
  if (!hasPrefix) {
    if (buf.length < 8 || view.getUint16(0, true) !== 0x0008)
      throw new DicomFormatError('not a DICOM file (no DICM prefix and no dataset start)');
    // No Part 10 header: a bare little endian dataset, explicit VR when a VR follows the first tag.
    const vr = Buffer.from(buf.subarray(4, 6)).toString('latin1');
    const ts = /^[A-Z]{2}$/.test(vr) ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
    const r = new Reader(buf, view, true);
    return { meta: [], dataset: parseElements(r, UNDEFINED, encodingOf(ts), false), transferSyntax: ts };
  }
  const r = new Reader(buf, view, true);
  r.pos = 132;
  const meta: Element[] = [];
  const metaEnc = encodingOf('1.2.840.10008.1.2.1');
  meta.push(...parseElements(r, UNDEFINED, metaEnc, false, (tag) => tag >>> 16 !== 0x0002));
  const ts = asciiValue(meta.find((e) => e.tag === 0x00020010));
  if (!ts) throw new DicomFormatError('file meta information has no transfer syntax');
  const enc = encodingOf(ts);
  let body = buf.subarray(r.pos);
  if (enc.deflated) {
    try {
      body = new Uint8Array(inflateRawSync(body));
    } catch {
      throw new DicomFormatError('deflated dataset does not inflate');
    }
  }
  const br = new Reader(body, new DataView(body.buffer, body.byteOffset, body.byteLength), enc.littleEndian);
  return { meta, dataset: parseElements(br, UNDEFINED, enc, false), transferSyntax: ts };
}

class Writer {
  chunks: Uint8Array[] = [];
  constructor(readonly enc: Encoding) {}
  push(b: Uint8Array): void {
    this.chunks.push(b);
  }
  num(n: number, size: 2 | 4): void {
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    if (size === 2) v.setUint16(0, n, this.enc.littleEndian);
    else v.setUint32(0, n, this.enc.littleEndian);
    this.chunks.push(b);
  }
  tag(t: number): void {
    this.num(t >>> 16, 2);
    this.num(t & 0xffff, 2);
  }
  header(tag: number, vr: string, len: number): void {
    this.tag(tag);
    if (this.enc.explicit) {
      this.push(Buffer.from(vr, 'latin1'));
      if (LONG_VRS.has(vr)) {
        this.num(0, 2);
        this.num(len, 4);
      } else this.num(len, 2);
    } else this.num(len, 4);
  }
  concat(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

function writeElements(w: Writer, elements: Element[]): void {
  for (const el of [...elements].sort((a, b) => a.tag - b.tag)) {
    if (el.items) {
      w.header(el.tag, 'SQ', UNDEFINED);
      for (const item of el.items) {
        w.tag(ITEM);
        w.num(UNDEFINED, 4);
        writeElements(w, item);
        w.tag(ITEM_END);
        w.num(0, 4);
      }
      w.tag(SEQ_END);
      w.num(0, 4);
    } else if (el.fragments) {
      w.header(el.tag, el.vr, UNDEFINED);
      for (const f of el.fragments) {
        w.tag(ITEM);
        w.num(f.length, 4);
        w.push(f);
      }
      w.tag(SEQ_END);
      w.num(0, 4);
    } else {
      let value = el.value ?? new Uint8Array(0);
      if (value.length % 2 === 1)
        value = Buffer.concat([value, Uint8Array.of(el.vr === 'UI' || isBinaryVr(el.vr) ? 0 : 0x20)]);
      if (w.enc.explicit && !LONG_VRS.has(el.vr) && value.length > 0xffff)
        throw new DicomFormatError(`value of ${tagKey(el.tag)} too long for VR ${el.vr}`);
      w.header(el.tag, el.vr, value.length);
      w.push(value);
    }
  }
}

function isBinaryVr(vr: string): boolean {
  return ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN', 'SS', 'US', 'SL', 'UL', 'FL', 'FD', 'AT', 'SV', 'UV'].includes(vr);
}

/** Serialises a Part 10 file: preamble, meta group (with its group length), dataset in the given transfer syntax. */
export function writeFile(meta: Element[], dataset: Element[], transferSyntax: string): Uint8Array {
  const metaEnc = encodingOf('1.2.840.10008.1.2.1');
  const mw = new Writer(metaEnc);
  writeElements(
    mw,
    meta.filter((e) => e.tag !== 0x00020000),
  );
  const metaBody = mw.concat();
  const head = new Writer(metaEnc);
  head.header(0x00020000, 'UL', 4);
  head.num(metaBody.length, 4);
  const enc = encodingOf(transferSyntax);
  const dw = new Writer(enc);
  writeElements(dw, dataset);
  let body = dw.concat();
  if (enc.deflated) body = new Uint8Array(deflateRawSync(body));
  const preamble = new Uint8Array(132);
  preamble.set(Buffer.from('DICM', 'latin1'), 128);
  return Buffer.concat([preamble, head.concat(), metaBody, body]);
}

/** A string value padded as its VR requires. */
export function textValue(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

export function makeElement(tag: number, vr: string, text: string): Element {
  return { tag, vr, value: textValue(text) };
}
