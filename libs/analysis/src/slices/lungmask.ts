import {
  boundingBox,
  boxSmooth,
  close,
  convexHull2d,
  open,
  fillHoles2d,
  labelComponents,
  idsBySize,
  type Vec3,
} from '@mic/imaging';

/** Options of the single-slice lung field. */
export interface SliceLungOptions {
  /** Air/lung threshold in HU. */
  airHu?: number;
  /** Closing radius as a fraction of the image width: pulls pleura-touching consolidation into the lung. */
  closeFraction?: number;
  /** Opening radius (fraction of the width) that separates the lungs from outside air. */
  openFraction?: number;
  /** Largest share of a component in the edge band for it to count as lung rather than outside air. */
  maxBandFraction?: number;
  /** Minimum lung component area as a fraction of the image. */
  minAreaFraction?: number;
  /** Least share of a component inside the body's convex hull (the air under the body in the CT table is not lung). */
  minInBodyFraction?: number;
  /**
   * True HU only (off when absent): pixels whose local mean is under this HU count as lung too, so that diffusely
   * diseased lung (crazy paving, dense GGO: a mean of -300 to -150 HU with only small air pockets) joins the field;
   * fat (-100 HU and up) and soft tissue stay out. Pseudo-HU of windowed slices is too loose a scale for it.
   */
  denseHu?: number;
  /** Radius of that local mean as a fraction of the image width (0.008: about 3 mm on a 512-pixel field). */
  denseRadiusFraction?: number;
}

/** The slice lung field's options for true-HU input (DICOM): diseased lung by its local mean too. */
export const TRUE_HU_LUNG: SliceLungOptions = { denseHu: -150 };

/** Height / width below which an air component is a slab (CT table), not lung. */
const MIN_ASPECT = 0.15;

/**
 * Convex hull of the body (the non-air components of at least a tenth of the largest, so arms count) and its
 * centre column. A crop of the thorax (windowed slices) cuts the body at the image edge, where lungs that reach the
 * edge split it into parts: no whole body to test against (every pixel passes), and the crop is centred on the chest.
 */
function bodyHull(tissue: Uint8Array, dims: Vec3): { hull: Uint8Array; midX: number } {
  const [width, height] = dims;
  const c = labelComponents(tissue, dims, 8);
  const ids = idsBySize(c);
  const all = { hull: new Uint8Array(tissue.length).fill(1), midX: width / 2 };
  if (!ids.length) return all;
  const largest = Uint8Array.from(c.labels, (v) => (v === ids[0] ? 1 : 0));
  const [x0, y0, , x1, y1] = boundingBox(largest, dims) ?? [0, 0, 0, width - 1, height - 1];
  if (x0 === 0 || y0 === 0 || x1 === width - 1 || y1 === height - 1) return all;
  const big = new Set(ids.filter((id) => c.sizes[id] >= 0.1 * c.sizes[ids[0]]));
  return {
    hull: convexHull2d(
      Uint8Array.from(c.labels, (v) => (big.has(v) ? 1 : 0)),
      dims,
    ),
    midX: (x0 + x1 + 1) / 2,
  };
}

/** Partly aerated lung parenchyma (HU), and its least share of a lung part found only through the local mean. */
const PARENCHYMA_HU = [-900, -300] as const;
const MIN_PARENCHYMA = 0.35;

/**
 * Lung field of one axial slice, 0 background, 1 right lung, 2 left lung, radiological convention (patient's
 * right on the image's left). Air not connected to the image border, large components inside the body's hull, then
 * per-lung hole filling and a large closing so that dense lesions at the pleura stay inside. With `denseHu` (true
 * HU) a second field from air or a low local mean replaces a side's where it is much larger (docs/lesions.md).
 */
export function sliceLungMask(hu: Float32Array, width: number, height: number, o: SliceLungOptions = {}): Uint8Array {
  const airHu = o.airHu ?? -400;
  const dims: Vec3 = [width, height, 1];
  const n = width * height;
  const air = new Uint8Array(n);
  for (let p = 0; p < n; p++) air[p] = hu[p] < airHu ? 1 : 0;
  if (o.denseHu === undefined) return fieldFromAir(air, width, height, o);
  const base = fieldFromAir(Uint8Array.from(air), width, height, o);
  const r = Math.max(1, Math.round((o.denseRadiusFraction ?? 0.008) * width));
  const mean = boxSmooth(hu, dims, [r, r, 0]);
  for (let p = 0; p < n; p++) if (mean[p] < o.denseHu) air[p] = 1;
  const grown = fieldFromAir(air, width, height, o, true);
  // A part found only through the local mean must look like lung: bowel gas with its smoothed rim is mostly pure
  // air and tissue, diseased lung mostly partly aerated parenchyma.
  const c = labelComponents(grown, dims, 8);
  const [overlap, aerated] = [new Float64Array(c.count + 1), new Float64Array(c.count + 1)];
  for (let p = 0; p < n; p++) {
    const id = c.labels[p];
    if (base[p]) overlap[id]++;
    if (hu[p] >= PARENCHYMA_HU[0] && hu[p] < PARENCHYMA_HU[1]) aerated[id]++;
  }
  for (let p = 0; p < n; p++) {
    const id = c.labels[p];
    if (id && !overlap[id] && aerated[id] < MIN_PARENCHYMA * c.sizes[id]) grown[p] = 0;
  }
  // On an aerated lung the local mean only adds a rim at the hilum and the mediastinum: a side keeps its air
  // field unless the mean adds more than a quarter to it.
  const count = (m: Uint8Array, side: number) => m.reduce((k, v) => k + (v === side ? 1 : 0), 0);
  const useGrown = [false, ...[1, 2].map((side) => count(base, side) < 0.8 * count(grown, side))];
  const out = base.map((v) => (useGrown[v] ? 0 : v));
  for (let p = 0; p < n; p++) if (grown[p] && useGrown[grown[p]] && !out[p]) out[p] = grown[p];
  return out;
}

/** 1 (right) or 2 (left) where at least 90 % of the mask lies on that side of the body's centre column, else 0. */
function sideOf(m: Uint8Array, width: number, midX: number): 0 | 1 | 2 {
  let left = 0;
  let all = 0;
  for (let p = 0; p < m.length; p++)
    if (m[p]) {
      all++;
      if (p % width >= midX) left++;
    }
  return left < 0.1 * all ? 1 : left > 0.9 * all ? 2 : 0;
}

/** The lung field from an air mask (see `sliceLungMask`); `air` is changed. */
function fieldFromAir(
  air: Uint8Array,
  width: number,
  height: number,
  o: SliceLungOptions,
  splitJoined = false,
): Uint8Array {
  const dims: Vec3 = [width, height, 1];
  const n = width * height;
  const { hull, midX } = bodyHull(
    air.map((v) => 1 - v),
    dims,
  );
  // A dark line along the edge (JPEG border, frame) would otherwise join outside air and lungs.
  for (let x = 0; x < width; x++) air[x] = air[n - 1 - x] = 0;
  for (let y = 0; y < height; y++) air[y * width] = air[y * width + width - 1] = 0;
  // Opening cuts thin air bridges (gaps in a thin chest wall, JPEG ringing) between outside air and the lungs.
  const openR = (o.openFraction ?? 0.01) * width;
  const comps = labelComponents(openR > 0 ? open(air, dims, [1, 1, 1], openR) : air, dims, 4);
  // Outside air lies mostly in a band along the image edge; a lung may touch the edge of a tight crop but only
  // a small part of it lies in that band.
  const band = Math.max(2, Math.round(0.04 * Math.min(width, height)));
  const inBand = new Float64Array(comps.count + 1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const id = comps.labels[y * width + x];
      if (id && (x < band || y < band || x >= width - band || y >= height - band)) inBand[id]++;
    }
  const maxBand = o.maxBandFraction ?? 0.2;
  const minArea = (o.minAreaFraction ?? 0.004) * n;
  const inBody = new Float64Array(comps.count + 1);
  // Bounding box of each component: the air in a CT table is a wide flat slab, a lung is not.
  const box = Array.from({ length: comps.count + 1 }, () => [width, 0, height, 0]);
  for (let p = 0; p < n; p++) {
    const id = comps.labels[p];
    if (hull[p]) inBody[id]++;
    const b = box[id];
    const x = p % width;
    const y = (p - x) / width;
    b[0] = Math.min(b[0], x);
    b[1] = Math.max(b[1], x);
    b[2] = Math.min(b[2], y);
    b[3] = Math.max(b[3], y);
  }
  const flat = (id: number) => box[id][3] - box[id][2] < MIN_ASPECT * (box[id][1] - box[id][0]);
  const minInBody = o.minInBodyFraction ?? 0.8;
  const kept = idsBySize(comps).filter(
    (id) =>
      inBand[id] / comps.sizes[id] <= maxBand &&
      comps.sizes[id] >= minArea &&
      inBody[id] / comps.sizes[id] >= minInBody &&
      !flat(id),
  );
  const out = new Uint8Array(n);
  const closeR = (o.closeFraction ?? 0.04) * width;
  for (const id of kept.slice(0, 4)) {
    const part = new Uint8Array(n);
    for (let p = 0; p < n; p++) if (comps.labels[p] === id) part[p] = 1;
    // Sides by the body's centre column, not the image's (crops and patients are off-centre); a lung that crosses
    // it a little (mediastinal shift) stays whole, lungs joined in front are cut at it. Lungs joined through
    // diseased lung are cut before the closing, which would otherwise fill the mediastinum between them.
    const side = sideOf(part, width, midX);
    const parts =
      splitJoined && !side
        ? [1, 2].map((s) => part.map((v, p) => (v && (p % width < midX ? 1 : 2) === s ? 1 : 0)))
        : [part];
    for (const one of parts) {
      const m = fillHoles2d(close(one, dims, [1, 1, 1], closeR), dims);
      const sd = sideOf(m, width, midX);
      for (let p = 0; p < n; p++) if (m[p] && !out[p]) out[p] = sd || (p % width < midX ? 1 : 2);
    }
  }
  return out;
}
