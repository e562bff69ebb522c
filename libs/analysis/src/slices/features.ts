import { convexHull2d, dilate, distanceToBackground, gaussianSmooth, type Vec3 } from '@mic/imaging';

/**
 * Per-pixel features of the supervised slice method: smoothed intensity at several scales, local spread, density
 * fractions in a neighbourhood, and where the pixel lies relative to the lung field. Scales are in mm so images of
 * different sizes see the same anatomy.
 */
export const FEATURE_NAMES = [
  'hu',
  'g1',
  'g2',
  'g4',
  'g8',
  'g16',
  'sd2',
  'sd8',
  'dense4',
  'dense16',
  'aer4',
  'aer16',
  'lung4',
  'lung16',
  'inLung',
  'depth',
  'outside',
  'grad2',
  'g32',
  'dense8b',
  'aer8',
  'roiDepth',
  'x',
  'y',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** HU range the features see: windowed slices saturate at 0 HU, so true-HU input is clipped alike. */
const HU_LO = -1050;
const HU_HI = 0;

/** The hulls grown by this much: a lung that lost its dense outer part to the air threshold still reaches it. */
export const ROI_GROW_MM = 20;

const norm = (v: number) => (v + 500) / 400;

export interface SliceFeatures {
  /** Pixels of the region scored (row-major indices). */
  roi: Int32Array;
  /** roi.length x FEATURE_COUNT, row-major. */
  x: Float32Array;
}

/** Region the classifier scores: each lung's convex hull (dense pleural lesions the air threshold lost lie there). */
export function lesionRoi(
  lungs: Uint8Array,
  width: number,
  height: number,
  spacingMm: number,
  growMm = ROI_GROW_MM,
): Uint8Array {
  const dims: Vec3 = [width, height, 1];
  const roi = new Uint8Array(lungs.length);
  for (const side of [1, 2]) {
    const m = new Uint8Array(lungs.length);
    for (let p = 0; p < m.length; p++) if (lungs[p] === side) m[p] = 1;
    if (!m.includes(1)) continue;
    const h = convexHull2d(m, dims);
    for (let p = 0; p < m.length; p++) if (h[p]) roi[p] = 1;
  }
  return growMm > 0 ? dilate(roi, dims, [spacingMm, spacingMm, 1], growMm, { planar: true }) : roi;
}

export function sliceFeatures(
  huIn: Float32Array,
  lungs: Uint8Array,
  width: number,
  height: number,
  spacingMm: number,
): SliceFeatures {
  const n = width * height;
  const dims: Vec3 = [width, height, 1];
  const sp: Vec3 = [spacingMm, spacingMm, 1];
  const hu = new Float32Array(n);
  for (let p = 0; p < n; p++) hu[p] = Math.min(HU_HI, Math.max(HU_LO, huIn[p]));
  const g = (d: ArrayLike<number>, s: number) => gaussianSmooth(d, dims, sp, s, true);
  const g1 = g(hu, 1);
  const g2 = g(hu, 2);
  const g4 = g(hu, 4);
  const g8 = g(hu, 8);
  const g16 = g(hu, 16);
  const g32 = g(hu, 32);
  const sq = new Float32Array(n);
  for (let p = 0; p < n; p++) sq[p] = hu[p] * hu[p];
  const sq2 = g(sq, 2);
  const sq8 = g(sq, 8);
  const dense = new Float32Array(n);
  const aer = new Float32Array(n);
  const inLung = new Float32Array(n);
  const denser = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    dense[p] = g1[p] > -500 ? 1 : 0;
    aer[p] = g1[p] < -750 ? 1 : 0;
    denser[p] = g1[p] > -300 ? 1 : 0;
    inLung[p] = lungs[p] ? 1 : 0;
  }
  const dense4 = g(dense, 4);
  const dense16 = g(dense, 16);
  const aer4 = g(aer, 4);
  const aer16 = g(aer, 16);
  const dense8b = g(denser, 8);
  const aer8 = g(aer, 8);
  const lung4 = g(inLung, 4);
  const lung16 = g(inLung, 16);
  const depth = distanceToBackground(inLung, dims, sp, [0, 1]);
  const outMask = new Uint8Array(n);
  for (let p = 0; p < n; p++) outMask[p] = lungs[p] ? 0 : 1;
  const outside = distanceToBackground(outMask, dims, sp, [0, 1]);
  const roiMask = lesionRoi(lungs, width, height, spacingMm);
  const roiDepth = distanceToBackground(roiMask, dims, sp, [0, 1]);
  // Lung bounding box: position relative to the lungs, not the crop.
  let x0 = width;
  let x1 = 0;
  let y0 = height;
  let y1 = 0;
  for (let p = 0; p < n; p++)
    if (lungs[p]) {
      const x = p % width;
      const y = (p - x) / width;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const hw = Math.max(1, (x1 - x0) / 2);
  const hh = Math.max(1, (y1 - y0) / 2);
  let count = 0;
  for (let p = 0; p < n; p++) if (roiMask[p]) count++;
  const roi = new Int32Array(count);
  const x = new Float32Array(count * FEATURE_COUNT);
  let i = 0;
  for (let p = 0; p < n; p++) {
    if (!roiMask[p]) continue;
    roi[i] = p;
    const o = i * FEATURE_COUNT;
    const px = p % width;
    const py = (p - px) / width;
    const gx = (g2[Math.min(n - 1, p + 1)] - g2[Math.max(0, p - 1)]) / 2;
    const gy = (g2[Math.min(n - 1, p + width)] - g2[Math.max(0, p - width)]) / 2;
    const f = [
      norm(hu[p]),
      norm(g1[p]),
      norm(g2[p]),
      norm(g4[p]),
      norm(g8[p]),
      norm(g16[p]),
      Math.sqrt(Math.max(0, sq2[p] - g2[p] * g2[p])) / 200,
      Math.sqrt(Math.max(0, sq8[p] - g8[p] * g8[p])) / 200,
      dense4[p],
      dense16[p],
      aer4[p],
      aer16[p],
      lung4[p],
      lung16[p],
      inLung[p],
      Math.min(depth[p], 40) / 20,
      Math.min(outside[p], 40) / 20,
      Math.sqrt(gx * gx + gy * gy) / 50,
      norm(g32[p]),
      dense8b[p],
      aer8[p],
      Math.min(roiDepth[p], 60) / 30,
      Math.abs(px - cx) / hw,
      (py - cy) / hh,
    ];
    for (let k = 0; k < FEATURE_COUNT; k++) x[o + k] = f[k];
    i++;
  }
  return { roi, x };
}
