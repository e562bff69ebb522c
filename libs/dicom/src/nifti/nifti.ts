import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { Vec3, Volume, VoxelArray } from '@mic/imaging';
import { NiftiError } from '../parse/errors.js';
import {
  flipLpsRas,
  matrixToQuaternion,
  quaternionToMatrix,
  splitAffine,
  volumeAffine,
  type Affine,
} from './affine.js';

const HEADER_SIZE = 348;
const VOX_OFFSET = 352;

/** NIfTI datatype codes this reader accepts, with the array each becomes. */
const READ_TYPES: Record<
  number,
  { bytes: number; get: (v: DataView, o: number, le: boolean) => number; out: 'i16' | 'u8' | 'u16' | 'i32' | 'f32' }
> = {
  2: { bytes: 1, get: (v, o) => v.getUint8(o), out: 'u8' },
  4: { bytes: 2, get: (v, o, le) => v.getInt16(o, le), out: 'i16' },
  8: { bytes: 4, get: (v, o, le) => v.getInt32(o, le), out: 'i32' },
  16: { bytes: 4, get: (v, o, le) => v.getFloat32(o, le), out: 'f32' },
  64: { bytes: 8, get: (v, o, le) => v.getFloat64(o, le), out: 'f32' },
  256: { bytes: 1, get: (v, o) => v.getInt8(o), out: 'i16' },
  512: { bytes: 2, get: (v, o, le) => v.getUint16(o, le), out: 'u16' },
  768: { bytes: 4, get: (v, o, le) => v.getUint32(o, le), out: 'f32' },
};

const ARRAYS = { i16: Int16Array, u8: Uint8Array, u16: Uint16Array, i32: Int32Array, f32: Float32Array };

export interface NiftiInfo {
  /** Which header transform gave the geometry. */
  source: 'sform' | 'qform' | 'pixdim';
  sformCode: number;
  qformCode: number;
  /** Voxel-to-RAS affine as stored (3 rows of 4). */
  affineRas: Affine;
  datatype: number;
}

/**
 * Reads a NIfTI-1 image (.nii or .nii.gz bytes) into a Volume in LPS. The geometry comes from the sform when its
 * code is set, else the qform, else pixdim alone. A non-trivial scl_slope/scl_inter gives Float32 data.
 */
export function readNifti(bytes: Uint8Array): Volume {
  return readNiftiWithInfo(bytes).volume;
}

export function readNiftiWithInfo(input: Uint8Array): { volume: Volume; info: NiftiInfo } {
  const bytes = isGzip(input) ? gunzip(input) : input;
  if (bytes.length < HEADER_SIZE)
    throw new NiftiError('TRUNCATED', `${bytes.length} bytes, header needs ${HEADER_SIZE}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true) === HEADER_SIZE;
  if (!le && view.getInt32(0, false) !== HEADER_SIZE) throw new NiftiError('NOT_NIFTI', 'sizeof_hdr is not 348');
  const magic = String.fromCharCode(bytes[344], bytes[345], bytes[346]);
  if (magic !== 'n+1' && magic !== 'ni1') throw new NiftiError('NOT_NIFTI', `bad magic "${magic}"`);
  if (magic === 'ni1') throw new NiftiError('UNSUPPORTED', 'two-file (.hdr/.img) NIfTI');
  const i16 = (o: number) => view.getInt16(o, le);
  const f32 = (o: number) => view.getFloat32(o, le);
  const ndim = i16(40);
  if (ndim < 1 || ndim > 7) throw new NiftiError('NOT_NIFTI', `dim[0] = ${ndim}`);
  const dims = [1, 2, 3].map((i) => (i <= ndim ? i16(40 + 2 * i) : 1)) as Vec3;
  for (let i = 4; i <= ndim; i++)
    if (i16(40 + 2 * i) > 1)
      throw new NiftiError('UNSUPPORTED', `more than 3 dimensions (dim[${i}] = ${i16(40 + 2 * i)})`);
  if (dims.some((d) => d < 1)) throw new NiftiError('NOT_NIFTI', `bad dims ${dims.join('x')}`);
  const datatype = i16(70);
  const type = READ_TYPES[datatype];
  if (!type) throw new NiftiError('UNSUPPORTED', `datatype ${datatype}`);
  const offset = Math.max(Math.round(f32(108)), HEADER_SIZE);
  const n = dims[0] * dims[1] * dims[2];
  if (offset + n * type.bytes > bytes.length)
    throw new NiftiError('TRUNCATED', `needs ${offset + n * type.bytes} bytes, has ${bytes.length}`);
  const slope = f32(112);
  const inter = f32(116);
  const scaled = Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0));
  const data: VoxelArray = scaled ? new Float32Array(n) : new ARRAYS[type.out](n);
  const inv = Number.isFinite(inter) ? inter : 0;
  for (let i = 0, o = offset; i < n; i++, o += type.bytes) {
    const v = type.get(view, o, le);
    data[i] = scaled ? v * slope + inv : v;
  }
  const pixdim = [0, 1, 2, 3].map((i) => f32(76 + 4 * i));
  const spacing = [1, 2, 3].map((i) => Math.abs(pixdim[i]) || 1) as Vec3;
  const sformCode = i16(254);
  const qformCode = i16(252);
  let affineRas: Affine;
  let source: NiftiInfo['source'];
  if (sformCode > 0) {
    source = 'sform';
    affineRas = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as Affine;
  } else if (qformCode > 0) {
    source = 'qform';
    const rot = quaternionToMatrix(f32(256), f32(260), f32(264), pixdim[0]);
    const t = [f32(268), f32(272), f32(276)];
    affineRas = [0, 1, 2].map((r) => [...[0, 1, 2].map((c) => rot[r * 3 + c] * spacing[c]), t[r]]) as Affine;
  } else {
    source = 'pixdim';
    affineRas = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => (c === r ? spacing[r] : 0))) as Affine;
  }
  const geometry = splitAffine(flipLpsRas(affineRas));
  return { volume: { data, dims, ...geometry }, info: { source, sformCode, qformCode, affineRas, datatype } };
}

function writeType(data: VoxelArray): { code: number; bytes: number } | undefined {
  if (data instanceof Uint8Array) return { code: 2, bytes: 1 };
  if (data instanceof Int16Array) return { code: 4, bytes: 2 };
  if (data instanceof Int32Array) return { code: 8, bytes: 4 };
  if (data instanceof Float32Array) return { code: 16, bytes: 4 };
  if (data instanceof Uint16Array) return { code: 512, bytes: 2 };
  return undefined;
}

export interface WriteNiftiOptions {
  /** gzip the result (.nii.gz); default true. */
  gzip?: boolean;
  /** Header description, at most 79 ASCII characters. */
  description?: string;
}

/**
 * Writes a volume as single-file NIfTI-1, little endian, with sform = qform (code 1, scanner) in RAS converted from
 * the volume's LPS geometry. Gzipped unless `gzip: false`.
 */
export function writeNifti(volume: Volume, options: WriteNiftiOptions = {}): Uint8Array {
  const type = writeType(volume.data);
  if (!type) throw new NiftiError('UNSUPPORTED', `voxel array ${volume.data.constructor.name}`);
  const n = volume.dims[0] * volume.dims[1] * volume.dims[2];
  if (volume.data.length !== n) throw new NiftiError('UNSUPPORTED', `data length ${volume.data.length} != ${n} voxels`);
  if (volume.dims.some((d) => d > 32767)) throw new NiftiError('UNSUPPORTED', `a dimension exceeds 32767`);
  const out = new Uint8Array(VOX_OFFSET + n * type.bytes);
  const view = new DataView(out.buffer);
  view.setInt32(0, HEADER_SIZE, true);
  out[38] = 'r'.charCodeAt(0);
  const dim = [3, ...volume.dims, 1, 1, 1, 1];
  dim.forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
  view.setInt16(70, type.code, true);
  view.setInt16(72, type.bytes * 8, true);
  const ras = flipLpsRas(volumeAffine(volume));
  const rot = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => ras[r][c] / volume.spacing[c]));
  const q = matrixToQuaternion(rot);
  [q.qfac, ...volume.spacing, 1, 1, 1, 1].forEach((p, i) => view.setFloat32(76 + 4 * i, p, true));
  view.setFloat32(108, VOX_OFFSET, true);
  view.setFloat32(112, 1, true);
  out[123] = 2; // NIFTI_UNITS_MM
  const descrip = (options.description ?? 'mic').slice(0, 79);
  for (let i = 0; i < descrip.length; i++) out[148 + i] = descrip.charCodeAt(i) & 0x7f;
  view.setInt16(252, 1, true);
  view.setInt16(254, 1, true);
  [q.b, q.c, q.d, ras[0][3], ras[1][3], ras[2][3]].forEach((p, i) => view.setFloat32(256 + 4 * i, p, true));
  ras.forEach((row, r) => row.forEach((v, c) => view.setFloat32(280 + 16 * r + 4 * c, v + 0, true)));
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  const bytes = new Uint8Array(volume.data.buffer, volume.data.byteOffset, n * type.bytes);
  if (isLittleEndianHost()) out.set(bytes, VOX_OFFSET);
  else throw new NiftiError('UNSUPPORTED', 'big-endian host');
  if (options.gzip === false) return out;
  // Label maps are long runs of a few values: run-length matching compresses them as well as level 6, several times
  // faster.
  const zopts = volume.data instanceof Uint8Array ? { level: 1, strategy: constants.Z_RLE } : { level: 6 };
  return new Uint8Array(gzipSync(out, zopts));
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function gunzip(b: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(b));
  } catch (err) {
    throw new NiftiError('TRUNCATED', `gzip: ${(err as Error).message}`);
  }
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
