import { labelComponents, type Components, type Vec3 } from '@mic/imaging';

/** dims of one axial slice as a volume of its own. */
export function sliceDims(dims: Vec3): Vec3 {
  return [dims[0], dims[1], 1];
}

/** 2D 8-connected components of slice k of a mask. */
export function sliceComponents(mask: Uint8Array, dims: Vec3, k: number): Components {
  const nxy = dims[0] * dims[1];
  return labelComponents(mask.subarray(k * nxy, (k + 1) * nxy), sliceDims(dims), 8);
}

/** Per component: centroid (i, j) and pixel count, from a labelled slice. */
export function centroids(c: Components, nx: number): { ci: Float64Array; cj: Float64Array } {
  const ci = new Float64Array(c.count + 1);
  const cj = new Float64Array(c.count + 1);
  const l = c.labels;
  for (let p = 0; p < l.length; p++) {
    const id = l[p];
    if (!id) continue;
    const j = (p / nx) | 0;
    ci[id] += p - j * nx;
    cj[id] += j;
  }
  for (let id = 1; id <= c.count; id++) {
    ci[id] /= c.sizes[id];
    cj[id] /= c.sizes[id];
  }
  return { ci, cj };
}
