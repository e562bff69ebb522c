import { close, open, fillHoles2d, labelComponents, idsBySize, type Vec3 } from '@mic/imaging';

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
}

/**
 * Lung field of one axial slice, 0 background, 1 right lung, 2 left lung, radiological convention (patient's
 * right on the image's left). Air not connected to the image border, large components, then per-lung hole filling
 * and a large closing so that dense lesions at the pleura stay inside.
 */
export function sliceLungMask(hu: Float32Array, width: number, height: number, o: SliceLungOptions = {}): Uint8Array {
  const airHu = o.airHu ?? -400;
  const dims: Vec3 = [width, height, 1];
  const n = width * height;
  const air = new Uint8Array(n);
  for (let p = 0; p < n; p++) air[p] = hu[p] < airHu ? 1 : 0;
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
  const kept = idsBySize(comps).filter((id) => inBand[id] / comps.sizes[id] <= maxBand && comps.sizes[id] >= minArea);
  const out = new Uint8Array(n);
  const closeR = (o.closeFraction ?? 0.04) * width;
  const midX = width / 2;
  for (const id of kept.slice(0, 4)) {
    let m: Uint8Array = new Uint8Array(n);
    for (let p = 0; p < n; p++) if (comps.labels[p] === id) m[p] = 1;
    m = fillHoles2d(close(m, dims, [1, 1, 1], closeR), dims);
    for (let p = 0; p < n; p++) if (m[p] && !out[p]) out[p] = p % width < midX ? 1 : 2;
  }
  return out;
}
