import {
  boundingBox,
  boxDims,
  countNonZero,
  cropData,
  dilate,
  distanceSqToBackground,
  erode,
  growBox,
  labelComponents,
  withData,
  type Box,
  type Vec3,
  type Volume,
} from '@mic/imaging';
import type { HuVolume } from './lesions/types.js';

/**
 * Pipeline-level clean-up of a lesion map, whatever method made it: on healthy lungs, partial-volume rims along the
 * lung surface, vessels with their partial-volume halo and specks add up to several percent "involvement".
 */
export interface RefineParams {
  /** Parts thinner than twice this (in-plane) are dropped unless within this distance of a broader part. */
  broadMm: number;
  /** In-plane depth from the lung surface that counts as rim (partial volume with chest wall, mediastinum). */
  rimMm: number;
  /** A component is kept only with at least this volume deeper than the rim. */
  minCoreMl: number;
  /** Vessel-like: at least this share of voxels denser than DENSE_HU ... */
  vesselDenseFraction: number;
  /** ... and on average this deep in the lung (hilar and central vessels; pneumonia is mostly peripheral) ... */
  vesselDepthMm: number;
  /** ... and smaller than this share of the lung volume (diffuse dense disease is not a vessel tree) ... */
  vesselMaxLungFraction: number;
  /** ... and with a dense part nowhere wider than twice this in-plane (a round consolidation is not a vessel). */
  vesselMaxHalfWidthMm: number;
}

export const REFINE_DEFAULTS: RefineParams = {
  broadMm: 3.5,
  rimMm: 2,
  minCoreMl: 0.5,
  vesselDenseFraction: 0.12,
  vesselDepthMm: 8,
  vesselMaxLungFraction: 0.03,
  vesselMaxHalfWidthMm: 8,
};

/** Vessel cores (blood, about 40 HU) are above this; ground glass is well below it. */
const DENSE_HU = -100;

export interface RefineResult {
  lesions: Volume<Uint8Array>;
  /** Components and volume dropped (thin parts removed by the opening are counted in the volume only). */
  removed: { components: number; ml: number };
}

/** Box holding the lesions in z and the lungs in-plane, with a 2-voxel margin in-plane. */
function cropBox(lesions: Uint8Array, lungs: Uint8Array, dims: Vec3): Box | null {
  const z = boundingBox(lesions, dims);
  const xy = boundingBox(lungs, dims);
  if (!z || !xy) return null;
  return growBox([xy[0], xy[1], z[2], xy[3], xy[4], z[5]], [2, 2, 0], dims);
}

/**
 * Per slice: keeps lesion voxels within `broadMm` of a part where a disc of radius `broadMm` fits (an opening that
 * gives back the edges of broad patches but not thin vessels leaving them); records each kept voxel's depth from the
 * lung surface (squared, mm^2). `lesion` is 0/1.
 */
function keepBroad(
  lesion: Uint8Array,
  lungs: Uint8Array,
  dense: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  broadMm: number,
): { mask: Uint8Array; depth2: Float32Array; denseWidth2: Float32Array } {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = nz * nxy;
  const mask = new Uint8Array(n);
  const depth2 = new Float32Array(n);
  const denseWidth2 = new Float32Array(n);
  const sliceDims: Vec3 = [nx, ny, 1];
  const lung = new Uint8Array(nxy);
  const denseLesion = new Uint8Array(nxy);
  for (let k = 0; k < nz; k++) {
    const m = lesion.subarray(k * nxy, (k + 1) * nxy);
    if (m.indexOf(1) < 0) continue;
    // only the lesion voxels' answer is read
    const broad = dilate(erode(m, sliceDims, spacing, broadMm, { planar: true }), sliceDims, spacing, 2 * broadMm, {
      planar: true,
      within: m,
    });
    let any = false;
    const off = k * nxy;
    for (let p = 0; p < nxy; p++) {
      lung[p] = lungs[off + p] ? 1 : 0;
      denseLesion[p] = m[p] && dense[off + p] ? 1 : 0;
      if (m[p] && broad[p]) {
        mask[off + p] = 1;
        any = true;
      }
    }
    if (!any) continue;
    const d2 = distanceSqToBackground(lung, sliceDims, spacing, [0, 1]);
    const w2 = distanceSqToBackground(denseLesion, sliceDims, spacing, [0, 1]);
    for (let p = 0; p < nxy; p++)
      if (mask[off + p]) {
        depth2[off + p] = d2[p];
        denseWidth2[off + p] = w2[p];
      }
  }
  return { mask, depth2, denseWidth2 };
}

/**
 * Drops thin parts (vessels, fissures, partial-volume rims), components with less than `minCoreMl` deeper than
 * `rimMm` (rims and specks) and dense-cored central components (hilar vessels). Components are 3D (26-connected);
 * widths and depths are in-plane, since slices are often thicker than a rim.
 */
export function refineLesions(
  lesions: Volume<Uint8Array>,
  lungs: Volume<Uint8Array>,
  hu: HuVolume,
  params: Partial<RefineParams> = {},
): RefineResult {
  const o = { ...REFINE_DEFAULTS, ...params };
  const dims = lesions.dims;
  const out = new Uint8Array(lesions.data.length);
  const voxelMl = (lesions.spacing[0] * lesions.spacing[1] * lesions.spacing[2]) / 1000;
  const before = countNonZero(lesions.data);
  const b = cropBox(lesions.data, lungs.data, dims);
  if (!b) return { lesions: withData(lesions, out), removed: { components: 0, ml: 0 } };
  const cdims = boxDims(b);
  const lesionC = cropData(lesions.data, dims, b);
  const lungC = cropData(lungs.data, dims, b);
  const huC = cropData(hu.data, dims, b);
  const denseC = new Uint8Array(lesionC.length);
  for (let p = 0; p < lesionC.length; p++) {
    lesionC[p] = lesionC[p] ? 1 : 0;
    lungC[p] = lungC[p] ? 1 : 0;
    denseC[p] = huC[p] > DENSE_HU ? 1 : 0;
  }
  const { mask, depth2, denseWidth2 } = keepBroad(lesionC, lungC, denseC, cdims, lesions.spacing, o.broadMm);
  const comps = labelComponents(mask, cdims, 26);
  const core = new Float64Array(comps.count + 1);
  const dense = new Float64Array(comps.count + 1);
  const depth = new Float64Array(comps.count + 1);
  const denseWidth2Max = new Float64Array(comps.count + 1);
  const rim2 = o.rimMm * o.rimMm;
  for (let p = 0; p < mask.length; p++) {
    const id = comps.labels[p];
    if (!id) continue;
    if (depth2[p] >= rim2) core[id]++;
    dense[id] += denseC[p];
    depth[id] += Math.sqrt(depth2[p]);
    if (denseWidth2[p] > denseWidth2Max[id]) denseWidth2Max[id] = denseWidth2[p];
  }
  const lungVoxels = countNonZero(lungs.data);
  const keep = new Uint8Array(comps.count + 1);
  let dropped = 0;
  for (let id = 1; id <= comps.count; id++) {
    const size = comps.sizes[id];
    const vessel =
      dense[id] / size >= o.vesselDenseFraction &&
      depth[id] / size >= o.vesselDepthMm &&
      size < o.vesselMaxLungFraction * lungVoxels &&
      denseWidth2Max[id] < o.vesselMaxHalfWidthMm ** 2;
    keep[id] = core[id] * voxelMl >= o.minCoreMl && !vessel ? 1 : 0;
    if (!keep[id]) dropped++;
  }
  let after = 0;
  const [nx, ny] = dims;
  for (let k = b[2], q = 0; k <= b[5]; k++)
    for (let j = b[1]; j <= b[4]; j++)
      for (let i = b[0], p = (k * ny + j) * nx + b[0]; i <= b[3]; i++, p++, q++)
        if (keep[comps.labels[q]] && mask[q]) {
          out[p] = lesions.data[p];
          after++;
        }
  return { lesions: withData(lesions, out), removed: { components: dropped, ml: (before - after) * voxelMl } };
}
