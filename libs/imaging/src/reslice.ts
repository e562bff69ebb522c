import { type Volume, type VoxelArray, voxelCount, withData } from './volume.js';

type Ctor<T extends VoxelArray> = { new (n: number): T };

/**
 * Nearest-neighbour sampling of `src` onto the grid of `target`, through world (LPS) coordinates, so the two may
 * differ in direction (e.g. a NIfTI label map made by another tool from the same CT). Outside `src`: `outside`.
 */
export function resliceNearest<T extends VoxelArray>(src: Volume<T>, target: Volume, outside = 0): Volume<T> {
  const [nx, ny, nz] = src.dims;
  const [mx, my, mz] = target.dims;
  const out = new (src.data.constructor as Ctor<T>)(voxelCount(target));
  const ds = src.direction;
  const dt = target.direction;
  // continuous source index = a + i*u + j*v + k*w (affine in the target index)
  const toSrc = (world: number[]) =>
    [0, 1, 2].map(
      (a) => [0, 1, 2].reduce((s, r) => s + ds[3 * r + a] * (world[r] - src.origin[r]), 0) / src.spacing[a],
    );
  const a = toSrc(target.origin);
  const axis = (c: number) =>
    toSrc([0, 1, 2].map((r) => target.origin[r] + dt[3 * r + c] * target.spacing[c])).map((x, q) => x - a[q]);
  const [u, v, w] = [axis(0), axis(1), axis(2)];
  const data = src.data;
  let p = 0;
  for (let k = 0; k < mz; k++)
    for (let j = 0; j < my; j++) {
      let x = a[0] + j * v[0] + k * w[0];
      let y = a[1] + j * v[1] + k * w[1];
      let z = a[2] + j * v[2] + k * w[2];
      for (let i = 0; i < mx; i++, p++, x += u[0], y += u[1], z += u[2]) {
        const xi = Math.round(x);
        const yi = Math.round(y);
        const zi = Math.round(z);
        out[p] =
          xi < 0 || yi < 0 || zi < 0 || xi >= nx || yi >= ny || zi >= nz ? outside : data[xi + nx * (yi + ny * zi)];
      }
    }
  return withData(target, out);
}
