/** The plane a slice lies in, from its Image Orientation (Patient) (row then column direction cosines). */
export type SlicePlane = 'axial' | 'coronal' | 'sagittal' | 'oblique';

/**
 * Axial, coronal or sagittal by the slice normal's largest component; oblique when none is within about 37 degrees
 * (a gantry tilt of up to 30 degrees stays axial). Null when the attribute is missing or malformed.
 */
export function slicePlane(iop: unknown): SlicePlane | null {
  const v = Array.isArray(iop) ? iop.map(Number) : typeof iop === 'string' ? iop.split('\\').map(Number) : [];
  if (v.length !== 6 || v.some((x) => !Number.isFinite(x))) return null;
  const n = [v[1] * v[5] - v[2] * v[4], v[2] * v[3] - v[0] * v[5], v[0] * v[4] - v[1] * v[3]];
  const len = Math.hypot(...n);
  if (len < 0.5) return null;
  const a = n.map((x) => Math.abs(x) / len);
  const best = a.indexOf(Math.max(...a));
  if (a[best] < 0.8) return 'oblique';
  return (['sagittal', 'coronal', 'axial'] as const)[best];
}

const PROJECTION_TYPES = new Set(['MIP', 'MINIP', 'MAXIMUM', 'MINIMUM', 'PROJECTION IMAGE', 'VOLUME_RENDER', 'VRT']);
const PROJECTION_WORDS = /\b(min-?ip|mip|mpr ?mip|vrt|volume render(ing)?)\b/i;

/**
 * A maximum/minimum intensity projection or volume rendering: its pixels hold the brightest or darkest value of a
 * slab, not the tissue's own HU, so densities measured on it mean nothing. From Image Type or the series description.
 */
export function isProjection(imageType: unknown, description: unknown): boolean {
  const types = (Array.isArray(imageType) ? imageType.join('\\') : String(imageType ?? ''))
    .toUpperCase()
    .split('\\')
    .map((t) => t.trim());
  return types.some((t) => PROJECTION_TYPES.has(t)) || PROJECTION_WORDS.test(String(description ?? ''));
}
