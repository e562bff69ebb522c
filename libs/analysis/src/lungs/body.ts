import { distanceToBackground, fillHoles2d, idsBySize, labelComponents, open, type Vec3 } from '@mic/imaging';
import { centroids, sliceComponents, sliceDims } from './slices.js';

export interface Body {
  /** Filled body per slice (lungs and airways inside it). */
  mask: Uint8Array;
  /** Body centre column per slice (NaN where the slice has no body). */
  midI: Float64Array;
  /** Body width in voxels per slice. */
  width: Float64Array;
  /** In-plane distance (mm) of each voxel from the outside of the filled body. */
  depth: Float32Array;
  /** 1 for slices where lung ran into the image edge (field of view narrower than the body, centre set by the crop). */
  cut: Uint8Array;
}

/** Below this HU a voxel is gas (outside air, bowel gas), not aerated lung. */
const GAS_HU = -950;
/** Opening radius that removes a table top from the body, mm. */
const TABLE_MM = 4;
/** A lung cut by the edge of the field of view meets it over at least this run and covers this area. */
const MIN_RUN_MM = 10;
const MIN_AREA_MM2 = 100;

/**
 * Largest 2D component of tissue above `thresholdHu` per slice, holes filled: the patient without table or air.
 * Where the field of view is narrower than the body, a lung reaching the image edge is no hole: see addCutLungs.
 */
export function bodyMask(hu: Float32Array, dims: Vec3, spacing: Vec3, thresholdHu: number): Body {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const tissue = new Uint8Array(hu.length);
  for (let p = 0; p < hu.length; p++) tissue[p] = hu[p] > thresholdHu ? 1 : 0;
  const mask = new Uint8Array(hu.length);
  const midI = new Float64Array(nz).fill(NaN);
  const width = new Float64Array(nz);
  const cut = new Uint8Array(nz);
  for (let k = 0; k < nz; k++) {
    const c = sliceComponents(tissue, dims, k);
    if (c.count === 0) continue;
    const id = idsBySize(c)[0];
    const one = new Uint8Array(nxy);
    for (let p = 0; p < nxy; p++) one[p] = c.labels[p] === id ? 1 : 0;
    const filled = fillHoles2d(one, sliceDims(dims));
    const bb = c.bboxes[id];
    const onEdge = bb[0] === 0 || bb[1] === 0 || bb[3] === nx - 1 || bb[4] === ny - 1;
    if (onEdge) cut[k] = addCutLungs(filled, one, hu.subarray(k * nxy, (k + 1) * nxy), dims, spacing, thresholdHu);
    mask.set(filled, k * nxy);
    midI[k] = centroids(c, nx).ci[id];
    width[k] = bb[3] - bb[0] + 1;
  }
  // depth counts from the image edge too: what lies along the edge of a cut field of view is not deep in the body
  const walled = Uint8Array.from(mask);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    walled.fill(0, off, off + nx);
    walled.fill(0, off + (ny - 1) * nx, off + nxy);
    for (let j = 0; j < ny; j++) walled[off + j * nx] = walled[off + j * nx + nx - 1] = 0;
  }
  return { mask, midI, width, depth: distanceToBackground(walled, dims, spacing, [0, 1]), cut };
}

/**
 * Adds to a filled body slice the regions outside it that touch the image edge, are not mostly gas (outside air)
 * and lie within the body: most of their pixels see the body both along their row and along their column (a lung
 * cut by the edge has chest wall or mediastinum on both axes; air in front of the chest or under the table sees the
 * body or table on one side only, air between back and table sees them above and below only, however noisy its HU).
 */
function addCutLungs(
  filled: Uint8Array,
  one: Uint8Array,
  hu: Float32Array,
  dims: Vec3,
  spacing: Vec3,
  thresholdHu: number,
): number {
  const [nx, ny] = dims;
  const rest = new Uint8Array(filled.length);
  for (let p = 0; p < rest.length; p++) rest[p] = filled[p] || hu[p] < GAS_HU || hu[p] > thresholdHu ? 0 : 1;
  // a lung cut by the edge meets it over a run of lung-density pixels (noisy outside air and the table break runs):
  // most slices stop here
  if (longestEdgeRun(rest, nx, ny) * spacing[0] < MIN_RUN_MM) return 0;
  for (let p = 0; p < rest.length; p++) rest[p] = filled[p] ? 0 : 1;
  const c = labelComponents(rest, sliceDims(dims), 4);
  const gas = new Float64Array(c.count + 1);
  for (let p = 0; p < rest.length; p++) if (c.labels[p] && hu[p] < GAS_HU) gas[c.labels[p]]++;
  const add = new Uint8Array(c.count + 1);
  let any = false;
  for (let id = 1; id <= c.count; id++) {
    const b = c.bboxes[id];
    const edge = b[0] === 0 || b[1] === 0 || b[3] === nx - 1 || b[4] === ny - 1;
    add[id] = edge && gas[id] < 0.5 * c.sizes[id] && c.sizes[id] * spacing[0] * spacing[1] >= MIN_AREA_MM2 ? 1 : 0;
    any ||= add[id] === 1;
  }
  if (!any) return 0;
  // a thin table shell or mattress contact is opened away: it does not wall in what lies next to it
  const sides = bodyAxes(open(one, sliceDims(dims), spacing, TABLE_MM, { planar: true }), nx, ny);
  const within = new Float64Array(c.count + 1);
  for (let p = 0; p < rest.length; p++) if (sides[p] === 3) within[c.labels[p]]++;
  let added = 0;
  for (let id = 1; id <= c.count; id++) if (within[id] < 0.5 * c.sizes[id]) add[id] = 0;
  for (let p = 0; p < rest.length; p++)
    if (add[c.labels[p]]) {
      filled[p] = 1;
      added = 1;
    }
  return added;
}

/** Longest run of set pixels along one of the four edges of a slice. */
function longestEdgeRun(mask: Uint8Array, nx: number, ny: number): number {
  let best = 0;
  const scan = (start: number, step: number, n: number) => {
    for (let t = 0, run = 0; t < n; t++) {
      run = mask[start + t * step] ? run + 1 : 0;
      if (run > best) best = run;
    }
  };
  scan(0, 1, nx);
  scan((ny - 1) * nx, 1, nx);
  scan(0, nx, ny);
  scan(nx - 1, nx, ny);
  return best;
}

/** Per pixel: bit 1 when a body pixel lies along its row (either way), bit 2 when one lies along its column. */
function bodyAxes(body: Uint8Array, nx: number, ny: number): Uint8Array {
  const out = new Uint8Array(body.length);
  for (let j = 0; j < ny; j++) {
    const row = j * nx;
    for (let i = 0, seen = 0; i < nx; i++) {
      out[row + i] |= seen;
      seen |= body[row + i];
    }
    for (let i = nx - 1, seen = 0; i >= 0; i--) {
      out[row + i] |= seen;
      seen |= body[row + i];
    }
  }
  for (let i = 0; i < nx; i++) {
    for (let j = 0, seen = 0; j < ny; j++) {
      out[i + j * nx] |= seen;
      seen |= 2 * body[i + j * nx];
    }
    for (let j = ny - 1, seen = 0; j >= 0; j--) {
      out[i + j * nx] |= seen;
      seen |= 2 * body[i + j * nx];
    }
  }
  return out;
}
