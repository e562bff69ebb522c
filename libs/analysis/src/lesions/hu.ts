import {
  boundingBox,
  boxDims,
  cropData,
  gaussianSmooth,
  gaussianSmoothAt,
  growBox,
  pasteData,
  withData,
  type Volume,
} from '@mic/imaging';
import { LESION_CONSOLIDATION, LESION_GGO, type HuVolume, type LesionMethod, type LesionOptions } from './types.js';
import { suppressVessels } from './vessels.js';

/** Parameters of the HU-band method (defaults from quantitative COVID-19 CT papers, see docs/lesions.md). */
export interface HuBandParams {
  /** GGO band lower edge; aerated lung lies below it. */
  ggoMinHu: number;
  /** GGO / consolidation boundary. */
  consolidationMinHu: number;
  /** Consolidation upper edge: denser voxels are vessels, bone or calcium. */
  consolidationMaxHu: number;
  /** In-plane Gaussian smoothing before thresholding. */
  smoothMm: number;
  /** Opening radius that removes vessels. */
  vesselRadiusMm: number;
  /** Smallest lesion patch kept, per slice. */
  minAreaMm2: number;
}

export type HuBandOptions = LesionOptions & Partial<HuBandParams>;

export const HU_DEFAULTS: HuBandParams = {
  ggoMinHu: -700,
  consolidationMinHu: -300,
  consolidationMaxHu: 100,
  smoothMm: 1.5,
  vesselRadiusMm: 1.5,
  minAreaMm2: 20,
};

/** Options with defaults filled in (undefined keys ignored). */
export function resolveHuParams(opts: HuBandOptions): HuBandParams {
  const o: HuBandParams = { ...HU_DEFAULTS };
  for (const key of Object.keys(HU_DEFAULTS) as (keyof HuBandParams)[]) {
    const v = opts[key];
    if (typeof v === 'number' && Number.isFinite(v)) o[key] = v;
  }
  return o;
}

/** In-plane smoothing, the first step (kept apart so band choices can be compared on one smoothing). */
export function smoothForBands(hu: HuVolume, opts: HuBandOptions = {}): Float32Array {
  const o = resolveHuParams(opts);
  return o.smoothMm > 0 ? gaussianSmooth(hu.data, hu.dims, hu.spacing, o.smoothMm, true) : Float32Array.from(hu.data);
}

/** Bands on smoothed HU inside the lung, vessels suppressed. */
export function classifyBands(
  smoothed: Float32Array,
  lungLabels: Volume<Uint8Array>,
  opts: HuBandOptions = {},
): Volume<Uint8Array> {
  const o = resolveHuParams(opts);
  const s = smoothed;
  const cand = new Uint8Array(s.length);
  for (let p = 0; p < s.length; p++)
    cand[p] = lungLabels.data[p] && s[p] >= o.ggoMinHu && s[p] <= o.consolidationMaxHu ? 1 : 0;
  const lesion = suppressVessels(cand, lungLabels.dims, lungLabels.spacing, o.vesselRadiusMm, o.minAreaMm2);
  const out = new Uint8Array(s.length);
  for (let p = 0; p < s.length; p++)
    if (lesion[p]) out[p] = s[p] >= o.consolidationMinHu ? LESION_CONSOLIDATION : LESION_GGO;
  return withData(lungLabels, out);
}

/**
 * Classifies smoothed HU inside the lung into the bands, with vessel suppression. Every step is in-plane and
 * reads at most the smoothing kernel or the vessel radius away, so it runs on the lungs' box grown by that reach:
 * the map is the same as on the whole volume.
 */
export function partitionByHu(
  hu: HuVolume,
  lungLabels: Volume<Uint8Array>,
  opts: HuBandOptions = {},
): Volume<Uint8Array> {
  const o = resolveHuParams(opts);
  const dims = lungLabels.dims;
  const out = new Uint8Array(lungLabels.data.length);
  const box = boundingBox(lungLabels.data, dims);
  if (!box) return withData(lungLabels, out);
  const reach = (a: number) =>
    Math.max(Math.ceil(3 * (o.smoothMm / hu.spacing[a])), Math.ceil(o.vesselRadiusMm / hu.spacing[a])) + 1;
  const b = growBox(box, [reach(0), reach(1), 0], dims);
  const geometry = { ...lungLabels, dims: boxDims(b) };
  const huPart = cropData(hu.data, dims, b);
  const lungPart = cropData(lungLabels.data, dims, b);
  // smoothed values are read inside the lung only
  const smoothed =
    o.smoothMm > 0
      ? gaussianSmoothAt(huPart, geometry.dims, hu.spacing, o.smoothMm, lungPart)
      : Float32Array.from(huPart);
  const part = classifyBands(smoothed, { ...geometry, data: lungPart }, opts);
  pasteData(out, dims, b, part.data);
  return withData(lungLabels, out);
}

export const huBandMethod: LesionMethod = {
  name: 'hu',
  version: '1',
  defaults: HU_DEFAULTS,
  partition: (hu, lungLabels, opts) => partitionByHu(hu, lungLabels, opts as HuBandOptions),
};
