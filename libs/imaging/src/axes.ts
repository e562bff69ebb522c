import { type Vec3, type Volume, type VoxelArray, voxelCount } from './volume.js';

type Ctor<T extends VoxelArray> = { new (n: number): T };

/**
 * Where the patient's axes lie in a volume's storage: for patient axis c (0 towards the patient's left, 1 posterior,
 * 2 superior; LPS) the storage axis that runs closest to it, and whether it runs the other way. A volume whose map is
 * the identity ({@link isPatientOrder}) is stored as axial slices from inferior to superior, rows from anterior to
 * posterior, columns from the patient's right to left: the order radiologists view, and the one the analysis assumes.
 */
export interface AxisMap {
  axis: Vec3;
  flip: [boolean, boolean, boolean];
}

/** The storage-to-patient axis map of a direction matrix (columns = unit vectors of i, j, k in LPS). */
export function patientAxes(direction: Volume['direction']): AxisMap {
  const used = new Set<number>();
  const axis: number[] = [0, 0, 0];
  const flip: boolean[] = [false, false, false];
  // the most clearly aligned pairs first, so an oblique (tilted) axis cannot take another's place
  const pairs: [number, number, number][] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) pairs.push([Math.abs(direction[3 * r + c]), r, c]);
  pairs.sort((a, b) => b[0] - a[0]);
  const done = new Set<number>();
  for (const [, r, c] of pairs) {
    if (done.has(r) || used.has(c)) continue;
    axis[r] = c;
    flip[r] = direction[3 * r + c] < 0;
    done.add(r);
    used.add(c);
  }
  return { axis: axis as Vec3, flip: flip as AxisMap['flip'] };
}

export function isPatientOrder(m: AxisMap): boolean {
  return m.axis.every((a, c) => a === c) && !m.flip.some(Boolean);
}

/** True when the slices (k) are not axial, i.e. the volume is stored as coronal or sagittal slices. */
export function isReformat(m: AxisMap): boolean {
  return m.axis[2] !== 2;
}

/** Storage offset of patient-order voxel (a0, a1, a2) for a volume of storage dims `dims`, as three strided terms. */
function strides(dims: Vec3, m: AxisMap): { base: number; step: Vec3; size: Vec3 } {
  const stride: Vec3 = [1, dims[0], dims[0] * dims[1]];
  let base = 0;
  const step = [0, 0, 0] as Vec3;
  const size = [0, 0, 0] as Vec3;
  for (let c = 0; c < 3; c++) {
    const a = m.axis[c];
    size[c] = dims[a];
    if (m.flip[c]) {
      base += (dims[a] - 1) * stride[a];
      step[c] = -stride[a];
    } else step[c] = stride[a];
  }
  return { base, step, size };
}

/**
 * A view of a volume in patient order without copying: dims and spacing along L, P, S and the storage offset of
 * each patient-order voxel (for pictures of any stored orientation).
 */
export function patientView(v: Pick<Volume, 'dims' | 'spacing' | 'direction'>): {
  dims: Vec3;
  spacing: Vec3;
  offset: (i: number, j: number, k: number) => number;
} {
  const m = patientAxes(v.direction);
  const { base, step, size } = strides(v.dims, m);
  return {
    dims: size,
    spacing: m.axis.map((a) => v.spacing[a]) as Vec3,
    offset: (i, j, k) => base + i * step[0] + j * step[1] + k * step[2],
  };
}

/** The same image stored in patient order (an exact voxel permutation; world positions are unchanged). */
export function toPatientOrder<T extends VoxelArray>(v: Volume<T>, m: AxisMap = patientAxes(v.direction)): Volume<T> {
  const { base, step, size } = strides(v.dims, m);
  const out = new (v.data.constructor as Ctor<T>)(voxelCount(v));
  const src = v.data;
  let q = 0;
  for (let k = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++) {
      let p = base + j * step[1] + k * step[2];
      for (let i = 0; i < size[0]; i++, p += step[0]) out[q++] = src[p];
    }
  const d = v.direction;
  const direction = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Volume['direction'];
  for (let c = 0; c < 3; c++)
    for (let r = 0; r < 3; r++) direction[3 * r + c] = (m.flip[c] ? -1 : 1) * d[3 * r + m.axis[c]] + 0;
  // the new first voxel is the stored voxel at the far end of every flipped axis
  const far = [0, 0, 0];
  for (let c = 0; c < 3; c++) if (m.flip[c]) far[m.axis[c]] = v.dims[m.axis[c]] - 1;
  const origin = [0, 1, 2].map(
    (r) => v.origin[r] + [0, 1, 2].reduce((s, a) => s + d[3 * r + a] * v.spacing[a] * far[a], 0),
  ) as Vec3;
  return { data: out, dims: size, spacing: m.axis.map((a) => v.spacing[a]) as Vec3, origin, direction };
}

/** A patient-order map (from {@link toPatientOrder} of `like`) back on `like`'s own storage grid. */
export function fromPatientOrder<T extends VoxelArray>(
  p: Volume<T>,
  like: Volume,
  m: AxisMap = patientAxes(like.direction),
): Volume<T> {
  const { base, step, size } = strides(like.dims, m);
  if (size.some((n, c) => n !== p.dims[c])) throw new RangeError('patient-order map does not match the volume');
  const out = new (p.data.constructor as Ctor<T>)(voxelCount(like));
  const src = p.data;
  let q = 0;
  for (let k = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++) {
      let o = base + j * step[1] + k * step[2];
      for (let i = 0; i < size[0]; i++, o += step[0]) out[o] = src[q++];
    }
  return {
    data: out,
    dims: [...like.dims],
    spacing: [...like.spacing],
    origin: [...like.origin],
    direction: [...like.direction],
  };
}

/** A 2D image (row by row) with its columns and/or rows reversed; its own inverse. */
export function flipPlane<T extends VoxelArray>(
  data: T,
  width: number,
  height: number,
  columns: boolean,
  rows: boolean,
): T {
  const out = new (data.constructor as Ctor<T>)(data.length);
  for (let y = 0; y < height; y++) {
    const src = (rows ? height - 1 - y : y) * width;
    for (let x = 0; x < width; x++) out[y * width + x] = data[src + (columns ? width - 1 - x : x)];
  }
  return out;
}
