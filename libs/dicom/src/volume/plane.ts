/** Image Orientation (Patient) as six numbers (an array or a DICOM multi-value string), or null when malformed. */
function cosines(iop: unknown): number[] | null {
  const v = Array.isArray(iop) ? iop.map(Number) : typeof iop === 'string' ? iop.split('\\').map(Number) : [];
  return v.length === 6 && v.every((x) => Number.isFinite(x)) ? v : null;
}

/** The plane a slice lies in, from its Image Orientation (Patient) (row then column direction cosines). */
export type SlicePlane = 'axial' | 'coronal' | 'sagittal' | 'oblique';

/**
 * Axial, coronal or sagittal by the slice normal's largest component; oblique when none is within about 37 degrees
 * (a gantry tilt of up to 30 degrees stays axial). Null when the attribute is missing or malformed.
 */
export function slicePlane(iop: unknown): SlicePlane | null {
  const v = cosines(iop);
  if (!v) return null;
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

/**
 * The flips that put a slice in display order, from its Image Orientation (Patient): columns so that the patient's
 * right is on the image's left (on a sagittal slice, anterior on the left), rows so that anterior (axial) or
 * superior (coronal, sagittal) is at the top. A prone patient's axial slice needs both. None when unknown.
 */
export function displayFlips(iop: unknown): { columns: boolean; rows: boolean } {
  const v = cosines(iop);
  if (!v) return { columns: false, rows: false };
  const dominant = (a: number[]) => a.map(Math.abs).indexOf(Math.max(...a.map(Math.abs)));
  const r = dominant(v.slice(0, 3));
  const c = dominant(v.slice(3, 6));
  return {
    // along the row: towards the patient's left (x) or posterior (y) is the display direction
    columns: r === 0 ? v[0] < 0 : r === 1 ? v[1] < 0 : false,
    // down the column: posterior (y) or inferior (z)
    rows: c === 1 ? v[4] < 0 : c === 2 ? v[5] > 0 : false,
  };
}
