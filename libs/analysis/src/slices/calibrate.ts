/**
 * Pseudo-HU for windowed 8-bit slices (no rescale known). The histogram of a chest slice has a dark mode (aerated
 * lung) and a bright mode (soft tissue); mapping the two to HU anchors makes later bands independent of the window.
 */
export interface Calibration {
  /** Grey value of the aerated-lung anchor and of the soft-tissue anchor (the top of the window). */
  lungGray: number;
  tissueGray: number;
  /** HU = a * grey + b. */
  a: number;
  b: number;
}

export const LUNG_ANCHOR_HU = -850;
export const TISSUE_ANCHOR_HU = 0;

function smoothHistogram(pixels: ArrayLike<number>): Float64Array {
  const h = new Float64Array(256);
  for (let p = 0; p < pixels.length; p++) h[pixels[p]]++;
  const s = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    let acc = 0;
    let w = 0;
    for (let d = -4; d <= 4; d++) {
      if (v + d < 0 || v + d > 255) continue;
      acc += h[v + d];
      w++;
    }
    s[v] = acc / w;
  }
  return s;
}

/** Otsu's threshold on a 256-bin histogram. */
export function otsu(h: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    total += h[v];
    sum += v * h[v];
  }
  let w0 = 0;
  let s0 = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 255; t++) {
    w0 += h[t];
    s0 += t * h[t];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (s0 / w0 - (sum - s0) / w1) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** Finds the two modes and the linear grey -> HU map. Throws on an image with no contrast. */
export function calibrateWindowed(pixels: Uint8Array): Calibration {
  const h = smoothHistogram(pixels);
  const t = otsu(h);
  let lungGray = 0;
  // Lung windows put soft tissue at or near saturation, and its mode is noisy (fat, muscle, heart): the top of
  // the window is the tissue anchor. Measured better on the training slices than the bright mode.
  const tissueGray = 255;
  // Ignore the bottom bins: padding is not the lung mode.
  for (let v = 3; v <= t; v++) if (h[v] > h[lungGray]) lungGray = v;
  // In a diffusely diseased lung the dark mode is GGO, not aerated lung: keep the lung anchor within a few grey
  // levels of the darkest 3 % of the image (air in lung, airways or outside the body).
  let acc = 0;
  let low = 0;
  for (; low < 255; low++) {
    acc += h[low];
    if (acc >= 0.03 * pixels.length) break;
  }
  lungGray = Math.min(lungGray, low + 15);
  if (tissueGray - lungGray < 20) throw new RangeError('image has too little contrast to calibrate');
  const a = (TISSUE_ANCHOR_HU - LUNG_ANCHOR_HU) / (tissueGray - lungGray);
  return { lungGray, tissueGray, a, b: LUNG_ANCHOR_HU - a * lungGray };
}

export function applyCalibration(pixels: Uint8Array, c: Calibration): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let p = 0; p < pixels.length; p++) out[p] = c.a * pixels[p] + c.b;
  return out;
}
