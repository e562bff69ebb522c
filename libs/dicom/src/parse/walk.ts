import { inflateRawSync } from 'node:zlib';
import { DicomError } from './errors.js';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 64;

/**
 * Checks that every element length in the dataset (from `start`) fits the file, descending into sequences and
 * encapsulated pixel data. dcmjs itself reads past the end of a truncated buffer without complaint.
 */
export function checkLengths(bytes: Uint8Array, start: number, transferSyntaxUid: string): void {
  let data = bytes;
  let pos = start;
  if (transferSyntaxUid === '1.2.840.10008.1.2.1.99') {
    try {
      data = inflateRawSync(bytes.subarray(start));
    } catch (err) {
      throw new DicomError('TRUNCATED', `deflated dataset: ${(err as Error).message}`);
    }
    pos = 0;
  }
  const w = new Walker(data, transferSyntaxUid !== '1.2.840.10008.1.2', transferSyntaxUid !== '1.2.840.10008.1.2.2');
  w.elements(pos, data.length, 0, false);
}

class Walker {
  private view: DataView;
  constructor(
    private data: Uint8Array,
    private explicit: boolean,
    private little: boolean,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(pos: number, n: number, what: string): void {
    if (pos + n > this.data.length) throw new DicomError('TRUNCATED', `${what} at byte ${pos} runs past the end`);
  }

  /** Walks elements from pos to end (or to an item delimiter when `inItem`); returns the position after them. */
  elements(pos: number, end: number, depth: number, inItem: boolean): number {
    if (depth > MAX_DEPTH) throw new DicomError('BAD_VALUE', 'sequences nested too deep');
    while (pos < end) {
      this.need(pos, 8, 'element header');
      const group = this.view.getUint16(pos, this.little);
      const element = this.view.getUint16(pos + 2, this.little);
      // Delimiters and items are always little endian in little-endian syntaxes; group FFFE in any case.
      if (group === 0xfffe) {
        if (element === 0xe00d && inItem) return pos + 8;
        throw new DicomError('BAD_VALUE', `unexpected delimiter (FFFE,${element.toString(16)}) at byte ${pos}`);
      }
      const tag = `(${hex(group)},${hex(element)})`;
      let length: number;
      let vr = '';
      let header = 8;
      const implicit = !this.explicit;
      if (implicit) length = this.view.getUint32(pos + 4, this.little);
      else {
        vr = String.fromCharCode(this.data[pos + 4], this.data[pos + 5]);
        if (!/^[A-Z]{2}$/.test(vr)) throw new DicomError('BAD_VALUE', `element ${tag} at byte ${pos} has VR "${vr}"`);
        if (LONG_VRS.has(vr)) {
          this.need(pos, 12, `element ${tag} header`);
          length = this.view.getUint32(pos + 8, this.little);
          header = 12;
        } else length = this.view.getUint16(pos + 6, this.little);
      }
      pos += header;
      if (length === UNDEFINED) {
        if (!implicit && vr !== 'SQ' && vr !== 'OB' && vr !== 'OW' && vr !== 'UN')
          throw new DicomError('BAD_LENGTH', `element ${tag} has undefined length with VR ${vr}`);
        pos = this.items(pos, depth + 1, tag);
      } else {
        if (pos + length > end)
          throw new DicomError(
            pos + length > this.data.length ? 'TRUNCATED' : 'BAD_LENGTH',
            `element ${tag} length ${length} at byte ${pos - header} runs past ${pos + length > this.data.length ? 'the end of the file' : 'its item'}`,
          );
        if (vr === 'SQ' || (implicit && looksLikeItems(this.view, pos, length, this.little)))
          this.items(pos, depth + 1, tag, pos + length);
        pos += length;
      }
    }
    if (inItem) throw new DicomError('TRUNCATED', 'item without its delimiter');
    return pos;
  }

  /** Walks items of a sequence or encapsulated pixel data up to the delimiter (or `end` for defined length). */
  items(pos: number, depth: number, tag: string, end?: number): number {
    while (end === undefined || pos < end) {
      this.need(pos, 8, `item of ${tag}`);
      const group = this.view.getUint16(pos, this.little);
      const element = this.view.getUint16(pos + 2, this.little);
      const length = this.view.getUint32(pos + 4, this.little);
      pos += 8;
      if (group !== 0xfffe) throw new DicomError('BAD_VALUE', `expected an item in ${tag} at byte ${pos - 8}`);
      if (element === 0xe0dd) return pos;
      if (element !== 0xe000) throw new DicomError('BAD_VALUE', `bad item tag in ${tag} at byte ${pos - 8}`);
      if (length === UNDEFINED) pos = this.elements(pos, this.data.length, depth, true);
      else {
        const limit = end ?? this.data.length;
        if (pos + length > limit)
          throw new DicomError(
            pos + length > this.data.length ? 'TRUNCATED' : 'BAD_LENGTH',
            `item of ${tag} length ${length} runs past the end`,
          );
        if (tag !== '(7FE0,0010)') this.elements(pos, pos + length, depth, false);
        pos += length;
      }
    }
    return pos;
  }
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** In implicit VR an SQ is known only from the dictionary; a value that starts with an item tag is one. */
function looksLikeItems(view: DataView, pos: number, length: number, little: boolean): boolean {
  return length >= 8 && view.getUint16(pos, little) === 0xfffe && view.getUint16(pos + 2, little) === 0xe000;
}
