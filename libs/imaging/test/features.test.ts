import { describe, expect, it } from '@jest/globals';
import {
  encodeRow,
  encodeVolume,
  extractPatches,
  fitZca,
  applyZca,
  kMeans,
  normalizePatches,
  poolFeatures2D,
  samplePatchCenters,
  seededRandom,
  sphericalKMeans,
  symmetricEigen,
  type PatchEncoding,
} from '../src/index.js';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

describe('patches', () => {
  it('seeded random is deterministic and uniform-ish', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('samples centres only inside the mask and away from the border', () => {
    const mask = new Uint8Array(10 * 10);
    for (let j = 0; j < 10; j++) for (let i = 0; i < 5; i++) mask[j * 10 + i] = 1;
    const c = samplePatchCenters(mask, [10, 10, 1], 1, 100, 3);
    expect(c.length).toBe(4 * 8); // i in 1..4, j in 1..8
    for (const v of c) {
      expect(mask[v]).toBe(1);
      expect(v % 10).toBeGreaterThanOrEqual(1);
    }
    expect(samplePatchCenters(mask, [10, 10, 1], 1, 5, 3)).toEqual(samplePatchCenters(mask, [10, 10, 1], 1, 5, 3));
  });

  it('extracts 2D and 3D patches in i-fastest order', () => {
    const img = Float32Array.from({ length: 25 }, (_, p) => p);
    expect(Array.from(extractPatches(img, [5, 5, 1], 1, Int32Array.of(6)))).toEqual([0, 1, 2, 5, 6, 7, 10, 11, 12]);
    const vol = Float32Array.from({ length: 27 }, (_, p) => p);
    const p3 = extractPatches(vol, [3, 3, 3], 1, Int32Array.of(13));
    expect(Array.from(p3)).toEqual(Array.from(vol));
  });

  it('normalises each patch to zero mean and unit variance', () => {
    const x = Float32Array.of(1, 2, 3, 4, 10, 10, 10, 30);
    normalizePatches(x, 4, 0);
    for (const o of [0, 4]) {
      const row = Array.from(x.slice(o, o + 4));
      const m = row.reduce((s, v) => s + v, 0) / 4;
      const v = row.reduce((s, q) => s + (q - m) ** 2, 0) / 4;
      expect(m).toBeCloseTo(0, 5);
      expect(v).toBeCloseTo(1, 4);
    }
  });
});

describe('whitening', () => {
  it('finds the eigenvalues of a known symmetric matrix', () => {
    const { values } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(Array.from(values).sort()).toEqual([expect.closeTo(1, 9), expect.closeTo(3, 9)]);
  });

  it('ZCA makes the covariance of correlated data the identity', () => {
    const rand = seededRandom(1);
    const n = 4000;
    const x = new Float64Array(n * 3);
    for (let r = 0; r < n; r++) {
      const a = gaussian(rand);
      const b = gaussian(rand);
      const c = gaussian(rand);
      x.set([a, a + 0.5 * b, 3 * b + c + 2], r * 3);
    }
    const w = applyZca(fitZca(x, 3, 1e-9), x);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += w[r * 3 + a] * w[r * 3 + b];
        expect(s / (n - 1)).toBeCloseTo(a === b ? 1 : 0, 2);
      }
  });
});

describe('k-means', () => {
  it('spherical K-means recovers two directions with unit-norm centroids', () => {
    const rand = seededRandom(2);
    const x = new Float32Array(400 * 2);
    for (let r = 0; r < 400; r++) {
      const s = rand() < 0.5 ? -1 : 1;
      const noise = 0.05 * gaussian(rand);
      x.set(r % 2 ? [s * 1, noise] : [noise, s * 2], r * 2);
    }
    const c = sphericalKMeans(x, 2, 2, { seed: 5 });
    for (let j = 0; j < 2; j++) expect(Math.hypot(c[2 * j], c[2 * j + 1])).toBeCloseTo(1, 5);
    const axes = [0, 1].map((j) => (Math.abs(c[2 * j]) > Math.abs(c[2 * j + 1]) ? 'x' : 'y')).sort();
    expect(axes).toEqual(['x', 'y']);
    expect(sphericalKMeans(x, 2, 2, { seed: 5 })).toEqual(c);
  });

  it('plain K-means separates three blobs exactly', () => {
    const rand = seededRandom(3);
    const centres = [0, 10, 20];
    const x = new Float64Array(300);
    for (let r = 0; r < 300; r++) x[r] = centres[r % 3] + gaussian(rand);
    const { labels, centroids } = kMeans(x, 1, 3, { seed: 4 });
    const means = Array.from(centroids).sort((a, b) => a - b);
    means.forEach((m, i) => expect(Math.abs(m - centres[i])).toBeLessThan(0.4));
    for (let r = 3; r < 300; r++) expect(labels[r]).toBe(labels[r % 3]);
    expect(() => kMeans(new Float64Array(2), 1, 3)).toThrow(/at least/);
  });
});

describe('encoders', () => {
  const zca = { dim: 2, mean: new Float64Array(2), matrix: Float64Array.of(1, 0, 0, 1) };
  const centroids = Float32Array.of(1, 0, 0, 1);
  it('triangle encoding is max(0, mean distance - distance)', () => {
    const e: PatchEncoding = { r: 0, normEps: 0, zca, centroids, k: 2, encoder: 'triangle' };
    const out = new Float32Array(2);
    encodeRow(e, Float64Array.of(1, 0), out, 0);
    // distances 0 and sqrt(2): mean sqrt(2)/2
    expect(out[0]).toBeCloseTo(Math.SQRT2 / 2, 6);
    expect(out[1]).toBe(0);
  });

  it('soft threshold encoding is max(0, d.x - alpha)', () => {
    const e: PatchEncoding = { r: 0, normEps: 0, zca, centroids, k: 2, encoder: 'soft', alpha: 0.25 };
    const out = new Float32Array(2);
    encodeRow(e, Float64Array.of(2, 0.1), out, 0);
    expect(out[0]).toBeCloseTo(1.75, 6);
    expect(out[1]).toBe(0);
  });

  it('encodes an image as a convolution and pools inside the mask', () => {
    // Vertical stripes: every 3x3 patch is one of three shifts of the same pattern.
    const img = Float32Array.from({ length: 64 }, (_, p) => ((p % 8) % 3 === 0 ? 100 : 0));
    const mask = new Uint8Array(64).fill(1);
    const id = new Float64Array(81);
    for (let a = 0; a < 9; a++) id[a * 9 + a] = 1;
    const c = new Float32Array(9);
    c.set([0.5, -0.25, -0.25, 0.5, -0.25, -0.25, 0.5, -0.25, -0.25]);
    const e: PatchEncoding = {
      r: 1,
      normEps: 0,
      zca: { dim: 9, mean: new Float64Array(9), matrix: id },
      centroids: c,
      k: 1,
      encoder: 'soft',
      alpha: 0,
    };
    const f = encodeVolume(img, [8, 8, 1], mask, e);
    // Patch centred at x=1 has the bright column at its left: same pattern as the centroid.
    expect(f[1 * 8 + 1]).toBeGreaterThan(2);
    expect(f[0]).toBe(0); // border pixel: not encoded
    const pooled = poolFeatures2D(
      Float32Array.from({ length: 64 }, () => 3),
      1,
      [8, 8, 1],
      mask,
      2,
    );
    expect(Array.from(pooled).every((v) => Math.abs(v - 3) < 1e-6)).toBe(true);
  });
});
