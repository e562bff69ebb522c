import dcmjs from 'dcmjs';
import { DicomError } from './errors.js';
import { checkLengths } from './walk.js';

/** A dcmjs "naturalized" dataset: keywords as keys, sequences as arrays of datasets. */
export type Dataset = Record<string, unknown>;

export const NATIVE_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
]);

/** A parsed Part 10 file. `dataset` is dcmjs-compatible (naturalized) without the pixel data. */
export interface DicomFile {
  transferSyntaxUid: string;
  meta: Dataset;
  dataset: Dataset;
  /** SOP Instance UID from the dataset, or the file meta when the dataset's is empty. */
  sopInstanceUid: string;
  sopClassUid: string;
  /** Native: one buffer of all frames. Encapsulated: the items after the offset table (fragments or frames). */
  pixelData: ArrayBuffer[] | null;
  encapsulated: boolean;
  /** Size of the file in bytes. */
  byteLength: number;
}

interface DcmjsLog {
  getLevel(): number;
  setLevel(level: number | string, persist?: boolean): void;
  getLogger(name: string): DcmjsLog;
}

/** Runs `fn` with dcmjs's loggers silenced: it reports recoverable oddities (e.g. VR "xs") on the console. */
function quietly<T>(fn: () => T): T {
  const root = (dcmjs as unknown as { log: DcmjsLog }).log;
  const loggers = [root, root.getLogger('validation.dcmjs')];
  const levels = loggers.map((l) => l.getLevel());
  loggers.forEach((l) => l.setLevel('silent', false));
  try {
    return fn();
  } finally {
    loggers.forEach((l, i) => l.setLevel(levels[i], false));
  }
}

/**
 * Parses a DICOM Part 10 file (preamble, "DICM", file meta, dataset) in any transfer syntax, with dcmjs.
 * Throws DicomError for input that is not DICOM, truncated or has impossible lengths.
 */
export function parseDicom(bytes: Uint8Array): DicomFile {
  if (bytes.length < 132) throw new DicomError(bytes.length < 4 ? 'NOT_DICOM' : 'TRUNCATED', `${bytes.length} bytes`);
  if (bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d)
    throw new DicomError('NOT_DICOM', 'no "DICM" prefix at byte 128');
  const datasetStart = checkTopLevel(bytes);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let message: ReturnType<typeof dcmjs.data.DicomMessage.readFile>;
  try {
    message = quietly(() => dcmjs.data.DicomMessage.readFile(buffer));
  } catch (err) {
    throw classify(err);
  }
  const naturalize = dcmjs.data.DicomMetaDictionary.naturalizeDataset;
  const meta = naturalize(message.meta);
  const transferSyntaxUid = String(meta.TransferSyntaxUID ?? '').trim();
  if (!transferSyntaxUid) throw new DicomError('NOT_DICOM', 'file meta has no TransferSyntaxUID');
  checkLengths(bytes, datasetStart, transferSyntaxUid);
  const raw = message.dict['7FE00010'] as { Value?: ArrayBuffer[] } | undefined;
  const dict = { ...message.dict };
  delete dict['7FE00010'];
  const dataset = naturalize(dict);
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  return {
    transferSyntaxUid,
    meta,
    dataset,
    sopInstanceUid: text(dataset.SOPInstanceUID) || text(meta.MediaStorageSOPInstanceUID),
    sopClassUid: text(dataset.SOPClassUID) || text(meta.MediaStorageSOPClassUID),
    pixelData: raw?.Value?.length ? raw.Value : null,
    encapsulated: !NATIVE_SYNTAXES.has(transferSyntaxUid),
    byteLength: bytes.length,
  };
}

/** Maps a dcmjs failure to a typed error; dcmjs throws plain Errors and RangeErrors. */
function classify(err: unknown): DicomError {
  if (err instanceof DicomError) return err;
  const m = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError || /bounds|outside|past end|beyond|end of/i.test(m))
    return new DicomError('TRUNCATED', m);
  if (/expected header|not a dicom|magic/i.test(m)) return new DicomError('NOT_DICOM', m);
  if (/length/i.test(m)) return new DicomError('BAD_LENGTH', m);
  return new DicomError('BAD_VALUE', m);
}

/**
 * Walks the file meta group, whose layout is fixed (explicit VR little endian), so that wrong lengths there are
 * reported as such rather than as whatever dcmjs trips over later.
 */
function checkTopLevel(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 132;
  while (pos + 8 <= bytes.length && view.getUint16(pos, true) === 0x0002) {
    const vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
    if (!/^[A-Z]{2}$/.test(vr)) throw new DicomError('BAD_VALUE', `file meta element at ${pos} has VR "${vr}"`);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV'].includes(vr);
    if (long && pos + 12 > bytes.length) throw new DicomError('TRUNCATED', 'file meta element header');
    const length = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    pos += (long ? 12 : 8) + length;
    if (pos > bytes.length) throw new DicomError('BAD_LENGTH', `file meta element length ${length} runs past the end`);
  }
  if (pos === 132) throw new DicomError('NOT_DICOM', 'no file meta group after "DICM"');
  if (pos >= bytes.length) throw new DicomError('TRUNCATED', 'no dataset after the file meta');
  return pos;
}
