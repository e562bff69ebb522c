import { labelComponents, type Vec3 } from '@mic/imaging';
import type { Body } from './body.js';
import { sliceComponents } from './slices.js';

export const RIGHT = 1;
export const LEFT = 2;

/**
 * Labels each lung component right (1) or left (2) by the side of the body midline it lies on.
 * A component straddling the midline (lungs touching at the anterior junction) is split slice by slice
 * at the thinnest column near the midline.
 * `iToLeft` is +1 when increasing i points to the patient's left (LPS +x).
 */
export function splitLeftRight(lung: Uint8Array, dims: Vec3, body: Body, iToLeft: number): Uint8Array {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const out = new Uint8Array(lung.length);
  const c = labelComponents(lung, dims, 6);
  const leftCount = new Float64Array(c.count + 1);
  const isLeft = (i: number, k: number) => (i - body.midI[k]) * iToLeft > 0;
  for (let p = 0; p < lung.length; p++) {
    const id = c.labels[p];
    if (!id) continue;
    const k = (p / nxy) | 0;
    if (isLeft(p % nx, k)) leftCount[id]++;
  }
  const straddles = new Uint8Array(c.count + 1);
  const side = new Uint8Array(c.count + 1);
  for (let id = 1; id <= c.count; id++) {
    const f = leftCount[id] / c.sizes[id];
    side[id] = f > 0.5 ? LEFT : RIGHT;
    straddles[id] = f > 0.2 && f < 0.8 ? 1 : 0;
  }
  for (let p = 0; p < lung.length; p++) {
    const id = c.labels[p];
    if (id && !straddles[id]) out[p] = side[id];
  }
  if (!straddles.some((x) => x)) return out;
  const joined = new Uint8Array(lung.length);
  for (let p = 0; p < lung.length; p++) joined[p] = straddles[c.labels[p]];
  for (let k = 0; k < dims[2]; k++) splitSlice(joined, dims, k, body, iToLeft, out);
  return out;
}

function splitSlice(joined: Uint8Array, dims: Vec3, k: number, body: Body, iToLeft: number, out: Uint8Array): void {
  const [nx, ny] = dims;
  const off = k * nx * ny;
  const c = sliceComponents(joined, dims, k);
  const mid = body.midI[k];
  for (let id = 1; id <= c.count; id++) {
    const bb = c.bboxes[id];
    const cols = new Float64Array(nx);
    let left = 0;
    for (let j = bb[1]; j <= bb[4]; j++)
      for (let i = bb[0]; i <= bb[3]; i++)
        if (c.labels[i + j * nx] === id) {
          cols[i]++;
          if ((i - mid) * iToLeft > 0) left++;
        }
    const f = left / c.sizes[id];
    let cut = -1;
    if (f > 0.2 && f < 0.8) {
      // thinnest column within 15 % of the body width of the midline
      const w = Math.max(2, Math.round(0.15 * body.width[k]));
      let best = Infinity;
      for (let i = Math.max(bb[0], Math.round(mid - w)); i <= Math.min(bb[3], Math.round(mid + w)); i++)
        if (cols[i] < best || (cols[i] === best && Math.abs(i - mid) < Math.abs(cut - mid))) {
          best = cols[i];
          cut = i;
        }
    }
    const whole = f > 0.5 ? 2 : 1;
    for (let j = bb[1]; j <= bb[4]; j++)
      for (let i = bb[0]; i <= bb[3]; i++) {
        const p = i + j * nx;
        if (c.labels[p] !== id) continue;
        out[off + p] = cut < 0 ? whole : (i - cut) * iToLeft > 0 ? 2 : 1;
      }
  }
}
