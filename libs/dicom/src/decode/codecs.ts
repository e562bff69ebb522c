import { DicomError } from '../parse/errors.js';
import { decodeJpegDct } from './jpeg-dct.js';
import { decodeJpegLossless } from './jpeg-lossless.js';
import { decodeRle } from './rle.js';
import type { WasmCodecModule, WasmDecoder } from './wasm-types.js';

/** What a codec needs to know about the frame it decodes. */
export interface FrameLayout {
  rows: number;
  columns: number;
  bitsAllocated: number;
}

/** Decoded samples of one frame; values are raw codec output, masked and sign-extended by the caller. */
export type Samples = Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

const TS = {
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegSpectral: '1.2.840.10008.1.2.4.53',
  jpegProgressive: '1.2.840.10008.1.2.4.55',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
  rle: '1.2.840.10008.1.2.5',
};

export const SUPPORTED_ENCAPSULATED = new Set(Object.values(TS));

export const LOSSY_SYNTAXES = new Set([
  TS.jpegBaseline,
  TS.jpegExtended,
  TS.jpegSpectral,
  TS.jpegProgressive,
  TS.jpegLsNear,
  TS.j2k,
]);

// OpenJPEG reports progress on stdout through the Emscripten print hooks.
const quiet = () => {};

const modules = new Map<string, Promise<WasmCodecModule>>();

function load(name: 'openjpeg' | 'charls' | 'libjpeg'): Promise<WasmCodecModule> {
  let m = modules.get(name);
  if (!m) {
    // Static specifiers so bundlers and the type checker see them; each module is initialised once.
    const factory =
      name === 'openjpeg'
        ? import('@cornerstonejs/codec-openjpeg/decodewasmjs')
        : name === 'charls'
          ? import('@cornerstonejs/codec-charls/decodewasmjs')
          : import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs');
    m = factory.then((f) => f.default({ print: quiet, printErr: quiet }));
    modules.set(name, m);
  }
  return m;
}

async function wasmDecode(
  name: 'openjpeg' | 'charls' | 'libjpeg',
  data: Uint8Array,
  layout: FrameLayout,
): Promise<Samples> {
  const codec = await load(name);
  const Ctor = codec.J2KDecoder ?? codec.JpegLSDecoder ?? codec.JPEGDecoder;
  if (!Ctor) throw new DicomError('DECODE_FAILED', `${name} codec has no decoder`);
  let decoder: WasmDecoder | undefined;
  try {
    decoder = new Ctor();
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width !== layout.columns || info.height !== layout.rows || info.componentCount !== 1)
      throw new DicomError(
        'DECODE_FAILED',
        `${name}: codestream is ${info.width}x${info.height}x${info.componentCount}, header says ${layout.columns}x${layout.rows}x1`,
      );
    const out = decoder.getDecodedBuffer().slice();
    if (info.bitsPerSample <= 8) return out;
    return info.isSigned ? new Int16Array(out.buffer) : new Uint16Array(out.buffer);
  } catch (err) {
    if (err instanceof DicomError) throw err;
    // Emscripten codecs throw numbers or strings on corrupt streams.
    throw new DicomError('DECODE_FAILED', `${name}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    decoder?.delete();
  }
}

let losslessDecoder: typeof import('jpeg-lossless-decoder-js') | undefined;

async function jpegLossless(data: Uint8Array, layout: FrameLayout): Promise<Samples> {
  const fast = decodeJpegLossless(data, layout.bitsAllocated > 8 ? 2 : 1);
  if (fast) {
    if (fast.samples.length < layout.rows * layout.columns)
      throw new DicomError('DECODE_FAILED', `JPEG lossless: ${fast.samples.length} samples`);
    return fast.samples;
  }
  // Layouts the decoder above leaves out (several components or scans, restarts within lines).
  losslessDecoder ??= await import('jpeg-lossless-decoder-js');
  try {
    const padded = padBeforeEoi(data);
    const d = new losslessDecoder.Decoder();
    const out = d.decode(
      padded.buffer as ArrayBuffer,
      padded.byteOffset,
      padded.length,
      layout.bitsAllocated > 8 ? 2 : 1,
    );
    if (out.length < layout.rows * layout.columns) throw new Error(`${out.length} samples`);
    return out;
  } catch (err) {
    throw new DicomError('DECODE_FAILED', `JPEG lossless: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * jpeg-lossless-decoder-js looks ahead past the last Huffman code and drops the final pixel when the entropy-coded
 * data ends right at EOI; zero bytes before EOI give it something to read and are never decoded as pixels.
 */
function padBeforeEoi(data: Uint8Array): Uint8Array {
  let end = data.length;
  while (end > 2 && data[end - 1] === 0) end--;
  if (end < 4 || data[end - 2] !== 0xff || data[end - 1] !== 0xd9) return data;
  const out = new Uint8Array(end + 4);
  out.set(data.subarray(0, end - 2));
  out.set([0xff, 0xd9], end + 2);
  return out;
}

/** Precision byte of the first SOFn marker of a JPEG stream (or undefined). */
function jpegPrecision(data: Uint8Array): { sof: number; precision: number } | undefined {
  for (let p = 2; p + 4 < data.length;) {
    if (data[p] !== 0xff) return undefined;
    const m = data[p + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)
      return { sof: m - 0xc0, precision: data[p + 4] };
    p += 2 + ((data[p + 2] << 8) | data[p + 3]);
  }
  return undefined;
}

/** Decodes one compressed frame of the given transfer syntax. */
export async function decodeCompressed(ts: string, data: Uint8Array, layout: FrameLayout): Promise<Samples> {
  switch (ts) {
    case TS.rle: {
      const bytes = layout.bitsAllocated / 8;
      const raw = decodeRle(data, layout.rows * layout.columns, bytes);
      return bytes === 1 ? raw : bytes === 2 ? new Uint16Array(raw.buffer) : new Uint32Array(raw.buffer);
    }
    case TS.jpegLossless:
    case TS.jpegLosslessSV1:
      return jpegLossless(data, layout);
    case TS.jpegLsLossless:
    case TS.jpegLsNear:
      return wasmDecode('charls', data, layout);
    case TS.j2kLossless:
    case TS.j2k:
      return wasmDecode('openjpeg', data, layout);
    case TS.jpegBaseline:
    case TS.jpegExtended:
    case TS.jpegSpectral:
    case TS.jpegProgressive: {
      const sof = jpegPrecision(data);
      if (sof?.precision === 8) return wasmDecode('libjpeg', data, layout);
      if (sof && (sof.sof === 0 || sof.sof === 1)) {
        const r = decodeJpegDct(data);
        if (r.width !== layout.columns || r.height !== layout.rows)
          throw new DicomError(
            'DECODE_FAILED',
            `JPEG is ${r.width}x${r.height}, header says ${layout.columns}x${layout.rows}`,
          );
        return r.samples;
      }
      throw new DicomError(
        'UNSUPPORTED_TRANSFER_SYNTAX',
        `${ts}: ${sof?.precision ?? '?'}-bit JPEG SOF${sof?.sof ?? '?'} (retired progressive/spectral 12-bit) has no maintained decoder here`,
      );
    }
    default:
      throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', ts);
  }
}
