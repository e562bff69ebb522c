import { describe, expect, it } from '@jest/globals';
import { resliceNearest, voxelToWorld, type Volume } from '@mic/imaging';

function labels(): Volume<Uint8Array> {
  const dims: [number, number, number] = [7, 5, 4];
  const data = new Uint8Array(7 * 5 * 4).map((_, p) => (p * 37) % 11);
  return { data, dims, spacing: [1.5, 2, 3], origin: [-10, 20, 5], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

/** The same voxels stored with the i and j axes reversed (as a RAS-ordered NIfTI holds a DICOM series). */
function flipped(v: Volume<Uint8Array>): Volume<Uint8Array> {
  const [nx, ny, nz] = v.dims;
  const data = new Uint8Array(v.data.length);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) data[nx - 1 - i + nx * (ny - 1 - j + ny * k)] = v.data[i + nx * (j + ny * k)];
  const origin = voxelToWorld(v, nx - 1, ny - 1, 0);
  return { data, dims: [...v.dims], spacing: [...v.spacing], origin, direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
}

describe('resliceNearest', () => {
  it('maps a label map stored in another axis order back voxel for voxel', () => {
    const v = labels();
    const back = resliceNearest(flipped(v), v);
    expect(Array.from(back.data)).toEqual(Array.from(v.data));
    expect(back.direction).toEqual(v.direction);
  });

  it('fills target voxels outside the source with the outside value', () => {
    const v = labels();
    const target: Volume = { ...v, origin: [v.origin[0] - 3, v.origin[1], v.origin[2]] };
    const r = resliceNearest(v, target, 255);
    // first two columns (x -13 and -11.5 mm) lie more than half a voxel outside the source
    expect(r.data[0]).toBe(255);
    expect(r.data[1]).toBe(255);
    expect(r.data[2]).toBe(v.data[0]);
  });
});
