import { labelComponents, open, type Vec3 } from '@mic/imaging';

/**
 * Removes vessel-like parts of a candidate lesion mask: an in-plane opening with a disc of `radiusMm` deletes
 * structures thinner than its diameter (vessels in or across the plane), then components below `minAreaMm2`
 * (in-plane area per slice) go too. Lesions are broad patches and survive both.
 */
export function suppressVessels(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  radiusMm: number,
  minAreaMm2: number,
): Uint8Array {
  // an opening lies inside the mask: nothing outside it needs computing
  const opened =
    radiusMm > 0 ? open(mask, dims, spacing, radiusMm, { planar: true, within: mask }) : Uint8Array.from(mask);
  const c = labelComponents(opened, dims, 8);
  const minVox = minAreaMm2 / (spacing[0] * spacing[1]);
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) {
    const id = c.labels[p];
    out[p] = id && c.sizes[id] >= minVox ? 1 : 0;
  }
  return out;
}
