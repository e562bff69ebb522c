import { type Vec3, type Volume, type VoxelArray, voxelCount } from './volume.js';

export type Interpolation = 'nearest' | 'linear';

export interface Grid {
  dims: Vec3;
  spacing: Vec3;
  origin: Vec3;
}

type Ctor<T extends VoxelArray> = { new (n: number): T };

/** The grid covering the same extent as `v` with a new spacing (origin kept at voxel 0). */
export function gridWithSpacing(v: Volume, spacing: Vec3): Grid {
  const dims: Vec3 = [0, 1, 2].map((a) => Math.max(1, Math.round((v.dims[a] * v.spacing[a]) / spacing[a]))) as Vec3;
  const realSpacing: Vec3 = [0, 1, 2].map((a) => (v.dims[a] * v.spacing[a]) / dims[a]) as Vec3;
  // keep the extent: voxel 0 centre shifts by half the difference of the voxel sizes
  const shift = [0, 1, 2].map((a) => (realSpacing[a] - v.spacing[a]) / 2);
  const d = v.direction;
  const origin: Vec3 = [0, 1, 2].map(
    (r) => v.origin[r] + d[3 * r] * shift[0] + d[3 * r + 1] * shift[1] + d[3 * r + 2] * shift[2],
  ) as Vec3;
  return { dims, spacing: realSpacing, origin };
}

/**
 * Resamples `v` onto `grid` (same direction as `v`). Outside samples take `outside` (default: nearest edge value).
 * Output type follows `v` unless `ctor` is given; linear results are rounded for integer arrays.
 */
export function resampleToGrid<T extends VoxelArray>(
  v: Volume,
  grid: Grid,
  mode: Interpolation,
  ctor?: Ctor<T>,
): Volume<T> {
  const C = (ctor ?? (v.data.constructor as Ctor<T>)) as Ctor<T>;
  const [mx, my, mz] = grid.dims;
  const out = new C(mx * my * mz);
  const isInt = !(out instanceof Float32Array);
  const [nx, ny, nz] = v.dims;
  const nxy = nx * ny;
  const src = v.data;
  const d = v.direction;
  // continuous source index of output voxel (i, j, k) = a + i*si + j*sj + k*sk, per axis (direction shared)
  const delta = [0, 1, 2].map((r) => v.origin.reduce((s, o, c) => s + d[3 * c + r] * (grid.origin[c] - o), 0));
  const start = [0, 1, 2].map((a) => delta[a] / v.spacing[a]);
  const step = [0, 1, 2].map((a) => grid.spacing[a] / v.spacing[a]);
  const clamp = (x: number, n: number) => (x < 0 ? 0 : x > n - 1 ? n - 1 : x);
  const ix = new Float64Array(mx).map((_, i) => clamp(start[0] + i * step[0], nx));
  const iy = new Float64Array(my).map((_, j) => clamp(start[1] + j * step[1], ny));
  const iz = new Float64Array(mz).map((_, k) => clamp(start[2] + k * step[2], nz));
  const x0s = Int32Array.from(ix, Math.floor);
  const x1s = x0s.map((x) => Math.min(x + 1, nx - 1));
  let p = 0;
  for (let k = 0; k < mz; k++) {
    const z = iz[k];
    const z0 = Math.floor(z);
    const z1 = Math.min(z0 + 1, nz - 1);
    const fz = z - z0;
    for (let j = 0; j < my; j++) {
      const y = iy[j];
      const y0 = Math.floor(y);
      const y1 = Math.min(y0 + 1, ny - 1);
      const fy = y - y0;
      const r00 = nx * y0 + nxy * z0;
      const r10 = nx * y1 + nxy * z0;
      const r01 = nx * y0 + nxy * z1;
      const r11 = nx * y1 + nxy * z1;
      for (let i = 0; i < mx; i++, p++) {
        const x = ix[i];
        if (mode === 'nearest') {
          out[p] = src[Math.round(x) + nx * Math.round(y) + nxy * Math.round(z)];
          continue;
        }
        const x0 = x0s[i];
        const x1 = x1s[i];
        const fx = x - x0;
        const c00 = src[r00 + x0] * (1 - fx) + src[r00 + x1] * fx;
        const c10 = src[r10 + x0] * (1 - fx) + src[r10 + x1] * fx;
        // on a slice (fz = 0) the next one weighs nothing
        let val = (c00 * (1 - fy) + c10 * fy) * (1 - fz);
        if (fz !== 0) {
          const c01 = src[r01 + x0] * (1 - fx) + src[r01 + x1] * fx;
          const c11 = src[r11 + x0] * (1 - fx) + src[r11 + x1] * fx;
          val += (c01 * (1 - fy) + c11 * fy) * fz;
        }
        out[p] = isInt ? Math.round(val) : val;
      }
    }
  }
  return {
    data: out,
    dims: [...grid.dims],
    spacing: [...grid.spacing],
    origin: [...grid.origin],
    direction: [...v.direction],
  };
}

/** Resamples to a new spacing over the same extent. */
export function resample<T extends VoxelArray>(v: Volume<T>, spacing: Vec3, mode: Interpolation): Volume<T> {
  return resampleToGrid<T>(v, gridWithSpacing(v, spacing), mode);
}

/** Samples `v` back onto the grid of `like` (e.g. a label map computed on a coarser grid). */
export function resampleLike<T extends VoxelArray>(v: Volume<T>, like: Volume, mode: Interpolation): Volume<T> {
  if (voxelCount(like) === 0) throw new RangeError('empty target grid');
  return resampleToGrid<T>(v, { dims: like.dims, spacing: like.spacing, origin: like.origin }, mode);
}
