import { IDENTITY_DIRECTION, type Vec3, type Volume } from '@mic/imaging';
import { huBandMethod } from '../lesions/hu.js';
import { kmeansMethod } from '../lesions/kmeans.js';
import type { LesionMethod, LesionOptions } from '../lesions/types.js';
import { applyCalibration, calibrateWindowed } from './calibrate.js';
import type { GrayImage } from './codec.js';
import { sliceLungMask, TRUE_HU_LUNG, type SliceLungOptions } from './lungmask.js';
import { contextMethod, type ContextModel } from './context.js';
import { pixelMethod, type PixelModel } from './pixel.js';
import { unetMethod, type UnetModel } from './unet.js';

/** Unsupervised methods, usable without a model. */
export const LESION_METHODS: Record<string, LesionMethod> = { hu: huBandMethod, kmeans: kmeansMethod };

/** Every slice method: the supervised ones need a model (`SliceOptions.model`). */
export const SLICE_METHODS = ['unet', 'mlp', 'context', 'hu', 'kmeans'] as const;

/** A supervised method's model: the U-Net (`unet`), the pixel classifier (`mlp`) or the auto-context one (`context`). */
export type SliceModel = UnetModel | PixelModel | ContextModel;

const MODEL_FORMATS: Record<string, SliceModel['format']> = {
  unet: 'mic-slice-unet',
  mlp: 'mic-slice-mlp',
  context: 'mic-slice-context',
};

/** Windowed slices carry no spacing; they are crops of the thorax, about this wide in millimetres. */
export const ASSUMED_FIELD_MM = 320;

export interface SliceResult {
  /** 0 background, 1 GGO, 2 consolidation. */
  lesions: Uint8Array;
  /** 0 background, 1 right lung, 2 left lung. */
  lungs: Uint8Array;
}

export interface SliceOptions {
  method?: string;
  /** The lung field's options (default `TRUE_HU_LUNG`; windowed slices: none). */
  lung?: SliceLungOptions;
  lesion?: LesionOptions;
  /** Model of a supervised method (`unet`, `mlp`, `context`). */
  model?: SliceModel;
  /** `unet` only: the network's class probabilities of this slice, already computed (e.g. on worker threads). */
  unetProbabilities?: Float32Array;
}

export function lesionMethod(name: string, model?: SliceModel, unetNet?: Float32Array): LesionMethod {
  const format = MODEL_FORMATS[name];
  if (format) {
    if (model?.format !== format) throw new RangeError(`lesion method '${name}' needs a model (${format})`);
    if (model.format === 'mic-slice-unet') return unetMethod(model, unetNet);
    return model.format === 'mic-slice-mlp' ? pixelMethod(model) : contextMethod(model);
  }
  const m = LESION_METHODS[name];
  if (!m) throw new RangeError(`unknown lesion method '${name}' (expected ${SLICE_METHODS.join(', ')})`);
  return m;
}

/**
 * Segments one slice given in HU (e.g. from DICOM) with its in-plane pixel spacing in mm; the lung field takes
 * `o.lung` (default: the true-HU options).
 */
export function segmentHuSlice(
  hu: Float32Array,
  width: number,
  height: number,
  spacingMm: number,
  o: SliceOptions = {},
): SliceResult {
  const method = lesionMethod(o.method ?? DEFAULT_SLICE_METHOD, o.model, o.unetProbabilities);
  const lungs = sliceLungMask(hu, width, height, o.lung ?? TRUE_HU_LUNG);
  const dims: Vec3 = [width, height, 1];
  const base = {
    dims,
    spacing: [spacingMm, spacingMm, 1] as Vec3,
    origin: [0, 0, 0] as Vec3,
    direction: IDENTITY_DIRECTION,
  };
  const huVol: Volume<Float32Array> = { ...base, data: hu };
  const lungVol: Volume<Uint8Array> = { ...base, data: lungs };
  const lesions = method.partition(huVol, lungVol, o.lesion).data;
  return { lesions, lungs };
}

/**
 * Band boundaries for pseudo-HU of windowed slices, chosen by 5-fold CV on the labelled training slices (the same
 * choice on every fold; docs/lesions.md). True-HU input (DICOM) keeps the literature bands of each method.
 */
export const WINDOWED_BANDS: LesionOptions = { ggoMinHu: -750, consolidationMinHu: -500 };

/** On true-HU input the mlp method keeps lesions within this distance (mm) of the lung field (which the closing already stretches over pleural lesions). */
export const TRUE_HU_LUNG_MARGIN_MM = 0;

/** Segments a windowed 8-bit slice (PNG/JPEG): pseudo-HU from the image's own histogram first. */
export function segmentWindowedSlice(img: GrayImage, o: SliceOptions = {}): SliceResult {
  const hu = applyCalibration(img.pixels, calibrateWindowed(img.pixels));
  return segmentHuSlice(hu, img.width, img.height, ASSUMED_FIELD_MM / img.width, {
    ...o,
    lung: o.lung ?? {},
    lesion: { ...WINDOWED_BANDS, ...o.lesion },
  });
}

/** The default method: the best held-out infection Dice in 5-fold CV on the labelled slices (docs/lesions.md). */
export const DEFAULT_SLICE_METHOD = 'unet';
