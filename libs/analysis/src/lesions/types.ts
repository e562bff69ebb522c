import type { Volume } from '@mic/imaging';

/** Lesion classes in a partition label map (0 also outside the lung). */
export const LESION_NORMAL = 0;
export const LESION_GGO = 1;
export const LESION_CONSOLIDATION = 2;

/** HU volumes the lesion methods accept. */
export type HuVolume = Volume<Int16Array | Float32Array>;

/** Options every lesion method understands; methods may read more keys of their own. */
export interface LesionOptions {
  /** Seed for any randomness, so results are deterministic. */
  seed?: number;
  [key: string]: unknown;
}

/**
 * A partition of the lung field into normal tissue, ground-glass opacity and consolidation.
 * `partition` returns a Uint8 map on the grid of `hu`: 0 normal (and everything outside the lung),
 * 1 GGO, 2 consolidation. `lungLabels` is the lung segmentation (0 background, 1 right lung, 2 left lung).
 */
export interface LesionMethod {
  name: string;
  version: string;
  /** The method's default parameters (part of the engine's identity digest). */
  defaults?: object;
  partition(hu: HuVolume, lungLabels: Volume<Uint8Array>, opts?: LesionOptions): Volume<Uint8Array>;
}
