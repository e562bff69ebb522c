/** Voxel data types a volume may hold; HU volumes are Int16 or Float32, label maps Uint8. */
export type VoxelArray = Int16Array | Float32Array | Uint8Array | Uint16Array | Int32Array;

export type Vec3 = [number, number, number];

/**
 * A 3D image in DICOM patient coordinates (LPS, millimetres).
 * Voxel (i, j, k) is at `data[i + dims[0] * (j + dims[1] * k)]`: i runs along a row (columns of the image),
 * j down the rows, k across slices. Its position is `origin + direction * diag(spacing) * [i, j, k]`, where
 * `direction` is a row-major 3x3 matrix whose columns are the unit vectors of the i, j, k axes.
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  data: T;
  dims: Vec3;
  spacing: Vec3;
  origin: Vec3;
  direction: [number, number, number, number, number, number, number, number, number];
}

export const IDENTITY_DIRECTION: Volume['direction'] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(v: { dims: Vec3 }): number {
  return v.dims[0] * v.dims[1] * v.dims[2];
}

/** A volume with the same geometry and new data (e.g. a label map for an image). */
export function withData<T extends VoxelArray>(v: Volume, data: T): Volume<T> {
  if (data.length !== voxelCount(v)) throw new RangeError(`data length ${data.length} != ${voxelCount(v)} voxels`);
  return { data, dims: [...v.dims], spacing: [...v.spacing], origin: [...v.origin], direction: [...v.direction] };
}

/** World (LPS mm) position of voxel (i, j, k). */
export function voxelToWorld(v: Volume, i: number, j: number, k: number): Vec3 {
  const d = v.direction;
  const a = i * v.spacing[0];
  const b = j * v.spacing[1];
  const c = k * v.spacing[2];
  return [
    v.origin[0] + d[0] * a + d[1] * b + d[2] * c,
    v.origin[1] + d[3] * a + d[4] * b + d[5] * c,
    v.origin[2] + d[6] * a + d[7] * b + d[8] * c,
  ];
}
