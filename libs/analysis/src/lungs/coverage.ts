import type { Volume } from '@mic/imaging';

/** A lung in an end slice counts when it has at least this share of the largest slice's lung area. */
const EDGE_SHARE = 0.02;

/**
 * Warnings when the lung field runs into the first or last slice of an axial scan: the apices or bases may lie
 * outside it, so volumes, zone scores and involvement describe the scanned part only. None for one slice, or
 * where the slices are not axial (which end is up is not clear there).
 */
export function coverageWarnings(lungs: Volume<Uint8Array>): string[] {
  const [nx, ny, nz] = lungs.dims;
  const up = lungs.direction[8];
  if (nz < 2 || Math.abs(up) < 0.7) return [];
  const area = new Float64Array(nz);
  for (let k = 0; k < nz; k++) for (let p = k * nx * ny, end = p + nx * ny; p < end; p++) if (lungs.data[p]) area[k]++;
  const max = Math.max(...area);
  if (max === 0) return [];
  const touches = (k: number) => area[k] >= EDGE_SHARE * max;
  // LPS: +z is superior, so with the k axis pointing up the last slice is the top one.
  const [top, bottom] = up > 0 ? [nz - 1, 0] : [0, nz - 1];
  const out: string[] = [];
  const part = 'volumes, zone scores and involvement cover the scanned part only';
  if (touches(top)) out.push(`lung in the most superior slice: the apices may be outside the scan; ${part}`);
  if (touches(bottom)) out.push(`lung in the most inferior slice: the bases may be outside the scan; ${part}`);
  return out;
}
