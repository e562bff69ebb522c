import { describe, expect, it } from '@jest/globals';
import {
  boxSmooth,
  close,
  convexHull2d,
  dilate,
  distanceSq,
  erode,
  fillHoles2d,
  fillHoles3d,
  gaussianSmooth,
  labelComponents,
  largestComponents,
  open,
  removeSmallComponents,
  resample,
  resampleLike,
  type Vec3,
  type Volume,
} from '@mic/imaging';

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0);
const idx = (dims: Vec3, i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

function ball(dims: Vec3, c: Vec3, r: number): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++)
        m[idx(dims, i, j, k)] = (i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2 <= r * r ? 1 : 0;
  return m;
}

describe('connected components', () => {
  it('separates diagonal neighbours under 6- but not 26-connectivity, with sizes and boxes', () => {
    const dims: Vec3 = [4, 4, 2];
    const m = new Uint8Array(32);
    m[idx(dims, 0, 0, 0)] = 1;
    m[idx(dims, 1, 1, 1)] = 1;
    m[idx(dims, 3, 3, 0)] = 1;
    m[idx(dims, 3, 2, 0)] = 1;
    const c6 = labelComponents(m, dims, 6);
    expect(c6.count).toBe(3);
    expect(Array.from(c6.sizes).slice(1).sort()).toEqual([1, 1, 2]);
    const id = c6.labels[idx(dims, 3, 3, 0)];
    expect(Array.from(c6.bboxes[id])).toEqual([3, 2, 0, 3, 3, 0]);
    expect(labelComponents(m, dims, 26).count).toBe(2);
    expect(labelComponents(m, dims, 18).count).toBe(3);
  });

  it('keeps in-plane connectivity per slice with 4/8', () => {
    const dims: Vec3 = [3, 3, 2];
    const m = new Uint8Array(18);
    m[idx(dims, 1, 1, 0)] = 1;
    m[idx(dims, 1, 1, 1)] = 1;
    m[idx(dims, 2, 2, 1)] = 1;
    expect(labelComponents(m, dims, 4).count).toBe(3);
    expect(labelComponents(m, dims, 8).count).toBe(2);
  });

  it('keeps the largest and drops small ones', () => {
    const dims: Vec3 = [10, 1, 1];
    const m = Uint8Array.from([1, 1, 1, 0, 1, 0, 1, 1, 0, 0]);
    expect(Array.from(largestComponents(m, dims))).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(removeSmallComponents(m, dims, 2))).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 0, 0]);
  });
});

describe('distance transform', () => {
  it('matches brute force with anisotropic spacing', () => {
    const dims: Vec3 = [9, 7, 5];
    const spacing: Vec3 = [0.7, 1.1, 2.5];
    const f = new Uint8Array(9 * 7 * 5);
    const pts: Vec3[] = [
      [1, 1, 1],
      [7, 5, 3],
      [4, 0, 4],
    ];
    for (const p of pts) f[idx(dims, ...p)] = 1;
    const d = distanceSq(f, dims, spacing);
    for (let k = 0; k < 5; k++)
      for (let j = 0; j < 7; j++)
        for (let i = 0; i < 9; i++) {
          const want = Math.min(
            ...pts.map(
              (p) => ((i - p[0]) * spacing[0]) ** 2 + ((j - p[1]) * spacing[1]) ** 2 + ((k - p[2]) * spacing[2]) ** 2,
            ),
          );
          expect(d[idx(dims, i, j, k)]).toBeCloseTo(want, 3);
        }
  });

  it('stays within the slice for 2D distances', () => {
    const dims: Vec3 = [5, 5, 2];
    const f = new Uint8Array(50);
    f[idx(dims, 2, 2, 0)] = 1;
    const d = distanceSq(f, dims, [1, 1, 1], [0, 1]);
    expect(d[idx(dims, 4, 2, 0)]).toBeCloseTo(4);
    expect(d[idx(dims, 2, 2, 1)]).toBeGreaterThan(1e19);
  });
});

describe('morphology', () => {
  const dims: Vec3 = [21, 21, 21];
  const sp: Vec3 = [1, 1, 1];

  it('dilates and erodes a ball by a ball to the expected radius', () => {
    const b = ball(dims, [10, 10, 10], 5);
    const point = new Uint8Array(b.length);
    point[idx(dims, 10, 10, 10)] = 1;
    expect(Array.from(dilate(point, dims, sp, 3))).toEqual(Array.from(ball(dims, [10, 10, 10], 3)));
    const d = dilate(b, dims, sp, 3);
    expect(d[idx(dims, 10, 18, 10)]).toBe(1);
    expect(d[idx(dims, 10, 19, 10)]).toBe(0);
    const e = erode(b, dims, sp, 2);
    expect(e[idx(dims, 10, 10, 13)]).toBe(1);
    expect(e[idx(dims, 10, 10, 14)]).toBe(0);
  });

  it('box erosion and dilation are separable min/max', () => {
    const m = new Uint8Array(21 * 21 * 21);
    m[idx(dims, 10, 10, 10)] = 1;
    const d = dilate(m, dims, sp, 2, { shape: 'box' });
    expect(sum(d)).toBe(125);
    expect(sum(erode(d, dims, sp, 2, { shape: 'box' }))).toBe(1);
    expect(sum(dilate(m, dims, sp, 2, { shape: 'box', planar: true }))).toBe(25);
  });

  it('opening removes a thin bridge, closing fills a gap', () => {
    const d2: Vec3 = [30, 12, 1];
    const m = new Uint8Array(360);
    for (let j = 1; j < 11; j++) for (let i = 0; i < 30; i++) if (i < 10 || i >= 20 || j === 5) m[idx(d2, i, j, 0)] = 1;
    const o = open(m, d2, sp, 2, { planar: true });
    expect(o[idx(d2, 15, 5, 0)]).toBe(0);
    expect(o[idx(d2, 5, 5, 0)]).toBe(1);
    const g = Uint8Array.from(m);
    for (let j = 1; j < 11; j++) g[idx(d2, 15, j, 0)] = 0;
    for (let j = 1; j < 11; j++) for (let i = 10; i < 20; i++) if (i !== 15) g[idx(d2, i, j, 0)] = 1;
    const c = close(g, d2, sp, 2, { planar: true });
    expect(c[idx(d2, 15, 5, 0)]).toBe(1);
  });

  it('does not erode a mask from the volume edge', () => {
    const m = new Uint8Array(25).fill(1);
    expect(sum(erode(m, [5, 5, 1], sp, 1.5))).toBe(25);
  });
});

describe('hole filling and hull', () => {
  it('fills enclosed background in 2D and 3D but not open cavities', () => {
    const dims: Vec3 = [7, 7, 7];
    const shell = ball(dims, [3, 3, 3], 3).map((x, p) => (x && !ball(dims, [3, 3, 3], 1.5)[p] ? 1 : 0));
    const f3 = fillHoles3d(shell, dims);
    expect(f3[idx(dims, 3, 3, 3)]).toBe(1);
    const ring = new Uint8Array(25);
    const d2: Vec3 = [5, 5, 1];
    for (let j = 0; j < 5; j++)
      for (let i = 0; i < 5; i++) if (i === 0 || j === 0 || i === 4 || j === 4) ring[idx(d2, i, j, 0)] = 1;
    expect(sum(fillHoles2d(ring, d2))).toBe(25);
    ring[idx(d2, 2, 0, 0)] = 0;
    expect(sum(fillHoles2d(ring, d2))).toBe(15);
  });

  it('fills the convex hull of an L shape', () => {
    const d2: Vec3 = [5, 5, 1];
    const m = new Uint8Array(25);
    for (let t = 0; t < 5; t++) {
      m[idx(d2, 0, t, 0)] = 1;
      m[idx(d2, t, 4, 0)] = 1;
    }
    const h = convexHull2d(m, d2);
    expect(sum(h)).toBe(15);
    expect(h[idx(d2, 4, 0, 0)]).toBe(0);
  });
});

describe('resampling and smoothing', () => {
  const vol = (data: Float32Array, dims: Vec3, spacing: Vec3): Volume<Float32Array> => ({
    data,
    dims,
    spacing,
    origin: [10, 20, 30],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  });

  it('linear resampling reproduces a linear ramp and keeps the extent', () => {
    const dims: Vec3 = [8, 4, 4];
    const v = vol(
      new Float32Array(128).map((_, p) => p % 8),
      dims,
      [1, 1, 1],
    );
    const r = resample(v, [0.5, 1, 2], 'linear');
    expect(r.dims).toEqual([16, 4, 2]);
    expect(r.origin[0]).toBeCloseTo(9.75);
    expect(r.data[idx(r.dims, 5, 1, 1)]).toBeCloseTo(2.25);
  });

  it('nearest down- and up-sampling returns labels on the original grid', () => {
    const dims: Vec3 = [8, 8, 2];
    const lab = new Uint8Array(128);
    for (let j = 0; j < 8; j++)
      for (let i = 0; i < 8; i++) lab[idx(dims, i, j, 0)] = lab[idx(dims, i, j, 1)] = i < 4 ? 1 : 2;
    const v: Volume<Uint8Array> = { ...vol(new Float32Array(128), dims, [1, 1, 1]), data: lab };
    const small = resample(v, [2, 2, 1], 'nearest');
    expect(small.dims).toEqual([4, 4, 2]);
    expect(Array.from(resampleLike(small, v, 'nearest').data)).toEqual(Array.from(lab));
  });

  it('smoothing preserves the mean of a constant and spreads an impulse', () => {
    const dims: Vec3 = [9, 9, 9];
    const c = gaussianSmooth(new Float32Array(729).fill(5), dims, [1, 1, 1], 1.2);
    expect(c[idx(dims, 0, 4, 8)]).toBeCloseTo(5, 4);
    const imp = new Float32Array(729);
    imp[idx(dims, 4, 4, 4)] = 27;
    const b = boxSmooth(imp, dims, [1, 1, 1]);
    expect(b[idx(dims, 3, 5, 4)]).toBeCloseTo(1);
    expect(b[idx(dims, 2, 4, 4)]).toBe(0);
    expect(sum(gaussianSmooth(imp, dims, [1, 1, 1], 1))).toBeCloseTo(27, 3);
  });
});
