import type { Volume, VoxelArray } from '@mic/imaging';

/**
 * The same image with voxel order reversed along one axis (0 = i, 1 = j, 2 = k); world positions are unchanged:
 * the origin moves to the far end and that axis's direction is negated. `flipAxis(v, 1)` stores rows bottom-up,
 * as dcm2niix does when writing NIfTI.
 */
export function flipAxis<T extends VoxelArray>(v: Volume<T>, axis: 0 | 1 | 2): Volume<T> {
  const [nx, ny, nz] = v.dims;
  const data = new (v.data.constructor as new (n: number) => T)(v.data.length);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      const sk = axis === 2 ? nz - 1 - k : k;
      const sj = axis === 1 ? ny - 1 - j : j;
      const src = nx * (sj + ny * sk);
      const dst = nx * (j + ny * k);
      if (axis === 0) for (let i = 0; i < nx; i++) data[dst + i] = v.data[src + nx - 1 - i];
      else data.set(v.data.subarray(src, src + nx) as never, dst);
    }
  const d = [...v.direction] as Volume['direction'];
  const steps = v.dims[axis] - 1;
  const origin = [0, 1, 2].map((r) => v.origin[r] + d[r * 3 + axis] * v.spacing[axis] * steps) as Volume['origin'];
  for (let r = 0; r < 3; r++) d[r * 3 + axis] = -d[r * 3 + axis] + 0;
  return { data, dims: [...v.dims], spacing: [...v.spacing], origin, direction: d };
}
