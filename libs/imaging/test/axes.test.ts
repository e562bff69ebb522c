import { describe, expect, it } from '@jest/globals';
import {
  flipPlane,
  fromPatientOrder,
  isPatientOrder,
  isReformat,
  patientAxes,
  patientView,
  toPatientOrder,
  voxelToWorld,
  type Volume,
} from '@mic/imaging';

/** A coronal stack as a scanner's reformat stores it: columns to the patient's left, rows downwards, slices backwards. */
function coronal(): Volume<Int32Array> {
  const dims: [number, number, number] = [6, 5, 4];
  const data = new Int32Array(6 * 5 * 4).map((_, p) => p);
  return { data, dims, spacing: [0.7, 3, 1.5], origin: [-10, 20, 50], direction: [1, 0, 0, 0, 0, 1, 0, -1, 0] };
}

const near = (a: number[], b: number[]) => a.forEach((x, t) => expect(x).toBeCloseTo(b[t], 9));

describe('patient order', () => {
  it('finds which stored axis runs along left, posterior and superior', () => {
    const m = patientAxes(coronal().direction);
    expect(m.axis).toEqual([0, 2, 1]);
    expect(m.flip).toEqual([false, false, true]);
    expect(isReformat(m)).toBe(true);
    expect(isPatientOrder(patientAxes([1, 0, 0, 0, 1, 0, 0, 0, 1]))).toBe(true);
    // a RAS-ordered NIfTI of an axial series: reversed in-plane, still axial
    const ras = patientAxes([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(isReformat(ras)).toBe(false);
    expect(isPatientOrder(ras)).toBe(false);
  });

  it('keeps a tilted axial series axial', () => {
    const t = (20 * Math.PI) / 180;
    const m = patientAxes([1, 0, 0, 0, Math.cos(t), Math.sin(t), 0, -Math.sin(t), Math.cos(t)]);
    expect(m.axis).toEqual([0, 1, 2]);
    expect(isReformat(m)).toBe(false);
  });

  it('stores the same voxels at the same world positions in patient order', () => {
    const v = coronal();
    const p = toPatientOrder(v);
    expect(p.dims).toEqual([6, 4, 5]);
    expect(p.spacing).toEqual([0.7, 1.5, 3]);
    expect(p.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const [nx, ny] = v.dims;
    for (let k = 0; k < p.dims[2]; k++)
      for (let j = 0; j < p.dims[1]; j++)
        for (let i = 0; i < p.dims[0]; i++) {
          const value = p.data[i + p.dims[0] * (j + p.dims[1] * k)];
          const si = value % nx;
          const sj = Math.floor(value / nx) % ny;
          const sk = Math.floor(value / (nx * ny));
          near(voxelToWorld(p, i, j, k), voxelToWorld(v, si, sj, sk));
        }
  });

  it('gives a map back on the stored grid, and views without copying', () => {
    const v = coronal();
    const p = toPatientOrder(v);
    expect(Array.from(fromPatientOrder(p, v).data)).toEqual(Array.from(v.data));
    const view = patientView(v);
    expect(view.dims).toEqual(p.dims);
    for (let k = 0; k < p.dims[2]; k++)
      for (let j = 0; j < p.dims[1]; j++)
        for (let i = 0; i < p.dims[0]; i++)
          expect(v.data[view.offset(i, j, k)]).toBe(p.data[i + p.dims[0] * (j + p.dims[1] * k)]);
    expect(() => fromPatientOrder(v, p)).toThrow(/does not match/);
  });

  it('flips a plane by columns and rows, and back', () => {
    const a = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 3 x 2
    expect(Array.from(flipPlane(a, 3, 2, true, false))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(Array.from(flipPlane(a, 3, 2, false, true))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(flipPlane(flipPlane(a, 3, 2, true, true), 3, 2, true, true))).toEqual(Array.from(a));
  });
});
