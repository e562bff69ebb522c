import { DicomError } from '../parse/errors.js';
import { imageInfo, type ImageInfo } from '../parse/image.js';
import type { DicomFile } from '../parse/parse.js';
import { decodeCompressed, SUPPORTED_ENCAPSULATED, type Samples } from './codecs.js';

const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/** Decoded stored pixel values of every frame (BitsStored-masked, sign-extended when PixelRepresentation is 1). */
export async function decodeFrames(file: DicomFile, info: ImageInfo | null = imageInfo(file)): Promise<Int32Array[]> {
  if (!info) throw new DicomError('NO_PIXEL_DATA', 'object has no pixel data');
  return (await decodeSamples(file, info)).map((f) => toStored(f, info));
}

/** The codec's samples of every frame, before masking to BitsStored (see storedBits). */
export async function decodeSamples(file: DicomFile, info: ImageInfo | null): Promise<Samples[]> {
  if (!info || !file.pixelData) throw new DicomError('NO_PIXEL_DATA', 'object has no pixel data');
  if (info.samplesPerPixel !== 1)
    throw new DicomError('BAD_VALUE', `SamplesPerPixel ${info.samplesPerPixel}: not a grayscale image`);
  if (!file.encapsulated) return nativeFrames(file, info);
  if (!SUPPORTED_ENCAPSULATED.has(file.transferSyntaxUid))
    throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', file.transferSyntaxUid);
  const layout = { rows: info.rows, columns: info.columns, bitsAllocated: info.bitsAllocated };
  const out: Samples[] = [];
  for (const frame of encapsulatedFrames(file.pixelData, info.numberOfFrames))
    out.push(await decodeCompressed(file.transferSyntaxUid, frame, layout));
  return out;
}

function nativeFrames(file: DicomFile, info: ImageInfo): Samples[] {
  const buffer = file.pixelData![0];
  const bytes = info.bitsAllocated / 8;
  const pixels = info.rows * info.columns;
  const need = pixels * bytes * info.numberOfFrames;
  if (buffer.byteLength < need)
    throw new DicomError('TRUNCATED', `pixel data has ${buffer.byteLength} bytes, ${need} expected`);
  const swap = file.transferSyntaxUid === BIG_ENDIAN;
  const frames: Samples[] = [];
  for (let f = 0; f < info.numberOfFrames; f++) {
    // Copy: the offset may be unaligned for 16/32-bit views.
    const raw = new Uint8Array(buffer.slice(f * pixels * bytes, (f + 1) * pixels * bytes));
    if (swap && bytes > 1) for (let i = 0; i < raw.length; i += bytes) raw.subarray(i, i + bytes).reverse();
    frames.push(bytes === 1 ? raw : bytes === 2 ? new Uint16Array(raw.buffer) : new Uint32Array(raw.buffer));
  }
  return frames;
}

const START_MARKERS = [
  [0xff, 0xd8], // JPEG, JPEG-LS
  [0xff, 0x4f], // JPEG 2000 codestream
  [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50], // JP2 file
];

/**
 * Frames from the items of encapsulated pixel data. dcmjs returns one item per frame when there is a Basic Offset
 * Table, else the raw fragments: a single frame takes all fragments; several frames are split where a fragment starts
 * a new codestream.
 */
export function encapsulatedFrames(items: ArrayBuffer[], numberOfFrames: number): Uint8Array[] {
  const parts = items.map((b) => new Uint8Array(b));
  if (parts.length === numberOfFrames) return parts;
  if (numberOfFrames === 1) return [concat(parts)];
  const groups: Uint8Array[][] = [];
  for (const p of parts) {
    const starts = START_MARKERS.some((m) => m.every((b, i) => p[i] === b));
    if (starts || groups.length === 0) groups.push([p]);
    else groups[groups.length - 1].push(p);
  }
  if (groups.length !== numberOfFrames)
    throw new DicomError(
      'BAD_LENGTH',
      `${parts.length} fragments make ${groups.length} frames, header says ${numberOfFrames}`,
    );
  return groups.map(concat);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * How a sample becomes its stored value: `((v >>> shift) << up) >> up` when signed, else `(v >>> shift) & mask`
 * (BitsStored bits ending at HighBit; sign-extended when PixelRepresentation is 1).
 */
export function storedBits(info: ImageInfo): { signed: boolean; shift: number; up: number; mask: number } {
  const bits = Math.min(32, info.bitsStored);
  const shift = bits >= 32 ? 0 : Math.max(0, info.highBit + 1 - bits);
  return { signed: info.pixelRepresentation === 1, shift, up: 32 - bits, mask: bits >= 32 ? -1 : 2 ** bits - 1 };
}

/**
 * The first rows x columns samples as Int32 (into `out`, reused between frames), by a native converting copy: loops
 * that read the codec's own array type (several across files) are much slower.
 */
export function samplesInto(samples: Samples, info: ImageInfo, out = new Int32Array(info.rows * info.columns)) {
  const n = info.rows * info.columns;
  if (samples.length < n) throw new DicomError('TRUNCATED', `frame has ${samples.length} samples, ${n} expected`);
  out.set(samples.length === n ? samples : samples.subarray(0, n));
  return out;
}

function toStored(samples: Samples, info: ImageInfo): Int32Array {
  const out = samplesInto(samples, info);
  const { signed, shift, up, mask } = storedBits(info);
  if (signed) for (let i = 0; i < out.length; i++) out[i] = ((out[i] >>> shift) << up) >> up;
  else for (let i = 0; i < out.length; i++) out[i] = (out[i] >>> shift) & mask;
  return out;
}
