import type { Volume } from '@mic/imaging';
import type { HuVolume } from './lesions/types.js';

/**
 * The slices that hold lung, as views (no copy) of a volume in patient order: every later stage looks at lung voxels
 * and their own slices only, so on a chest-abdomen scan it need not allocate for the abdomen. `expand` puts a map of
 * the slab back into the whole volume (zeros elsewhere).
 */
export function lungSlab(
  hu: HuVolume,
  lungs: Volume<Uint8Array>,
): { hu: HuVolume; lungs: Volume<Uint8Array>; expand: (m: Volume<Uint8Array>) => Volume<Uint8Array> } {
  const [nx, ny, nz] = hu.dims;
  const nxy = nx * ny;
  let k0 = 0;
  let k1 = nz - 1;
  const has = (k: number) => lungs.data.subarray(k * nxy, (k + 1) * nxy).some((v) => v !== 0);
  while (k0 < nz && !has(k0)) k0++;
  if (k0 === nz || (k0 === 0 && has(nz - 1))) return { hu, lungs, expand: (m) => m };
  while (!has(k1)) k1--;
  const d = hu.direction;
  const origin = [0, 1, 2].map((r) => hu.origin[r] + d[3 * r + 2] * hu.spacing[2] * k0) as Volume['origin'];
  const geometry = { dims: [nx, ny, k1 - k0 + 1] as Volume['dims'], spacing: hu.spacing, origin, direction: d };
  const view = <T extends Int16Array | Float32Array | Uint8Array>(a: T) => a.subarray(k0 * nxy, (k1 + 1) * nxy) as T;
  return {
    hu: { ...geometry, data: view(hu.data) },
    lungs: { ...geometry, data: view(lungs.data) },
    expand: (m) => {
      const data = new Uint8Array(nxy * nz);
      data.set(m.data, k0 * nxy);
      return { data, dims: [...hu.dims], spacing: [...hu.spacing], origin: [...hu.origin], direction: [...d] };
    },
  };
}
