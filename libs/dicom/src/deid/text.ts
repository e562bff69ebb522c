/** Decoding of DICOM string values for display (the mapping file) in the declared character sets. */
import { TextDecoder } from 'node:util';

const SINGLE: Record<string, string> = {
  '': 'latin1',
  ISO_IR_6: 'latin1',
  ISO_IR_100: 'latin1',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'iso-8859-9',
  ISO_IR_13: 'shift_jis',
  ISO_IR_166: 'tis-620',
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

function decoder(label: string): TextDecoder {
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder('latin1');
  }
}

/** Splits at ISO 2022 escape sequences and decodes each run in the character set it designates. */
function decodeIso2022(bytes: Uint8Array, first: string): string {
  let out = '';
  let i = 0;
  let mode = first === 'ISO_2022_IR_13' ? 'shift_jis' : 'latin1';
  while (i < bytes.length) {
    let j = i;
    while (j < bytes.length && bytes[j] !== 0x1b) j++;
    const run = bytes.subarray(i, j);
    if (mode === 'jis0208') {
      const wrapped = Buffer.concat([Buffer.from([0x1b, 0x24, 0x42]), run, Buffer.from([0x1b, 0x28, 0x42])]);
      out += decoder('iso-2022-jp').decode(wrapped);
    } else out += decoder(mode).decode(run);
    if (j >= bytes.length) break;
    const esc = Buffer.from(bytes.subarray(j, j + 4)).toString('latin1');
    if (esc.startsWith('\x1b$B') || esc.startsWith('\x1b$@')) {
      mode = 'jis0208';
      i = j + 3;
    } else if (esc.startsWith('\x1b$)C')) {
      mode = 'euc-kr';
      i = j + 4;
    } else if (esc.startsWith('\x1b$)A')) {
      mode = 'gb2312';
      i = j + 4;
    } else if (esc.startsWith('\x1b)I')) {
      mode = 'shift_jis';
      i = j + 3;
    } else if (esc.startsWith('\x1b(J') || esc.startsWith('\x1b(B')) {
      mode = first === 'ISO_2022_IR_13' ? 'shift_jis' : 'latin1';
      i = j + 3;
    } else {
      mode = 'latin1';
      i = j + 3;
    }
  }
  return out;
}

/** Decodes a string value given the Specific Character Set values (e.g. ['', 'ISO 2022 IR 87']). */
export function decodeText(bytes: Uint8Array, charsets: string[]): string {
  const norm = charsets.map((c) => c.trim().replace(/[ -]/g, '_').toUpperCase());
  const text =
    norm.some((c) => c.startsWith('ISO_2022')) || bytes.includes(0x1b)
      ? decodeIso2022(bytes, norm[0] ?? '')
      : decoder(SINGLE[norm[0] ?? ''] ?? 'latin1').decode(bytes);
  return text.replace(/[\0 ]+$/, '');
}

/** True when the bytes are printable ASCII (so they read the same in every DICOM character set). */
export function isPlainAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d);
}
