/** ZCA whitening: W = U diag(1/sqrt(lambda + eps)) U^T of the patch covariance (symmetric, so W = W^T). */
export interface Zca {
  dim: number;
  mean: Float64Array;
  /** dim x dim, row-major. */
  matrix: Float64Array;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations; returns values and column vectors. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

/** Fits ZCA on the rows of x (n x dim). eps regularises small eigenvalues (0.01-0.1 on normalised patches). */
export function fitZca(x: Float32Array | Float64Array, dim: number, eps = 0.1): Zca {
  const n = x.length / dim;
  if (!Number.isInteger(n) || n < 2) throw new RangeError('fitZca needs at least 2 rows of length dim');
  const mean = new Float64Array(dim);
  for (let o = 0; o < x.length; o += dim) for (let d = 0; d < dim; d++) mean[d] += x[o + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (let o = 0; o < x.length; o += dim) {
    for (let d = 0; d < dim; d++) c[d] = x[o + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ca = c[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * c[b];
    }
  }
  for (let a = 0; a < dim; a++)
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= n - 1;
      cov[b * dim + a] = cov[a * dim + b];
    }
  const { values, vectors } = symmetricEigen(cov, dim);
  const matrix = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const s = 1 / Math.sqrt(Math.max(values[k], 0) + eps);
    for (let a = 0; a < dim; a++) {
      const ua = vectors[a * dim + k] * s;
      for (let b = 0; b < dim; b++) matrix[a * dim + b] += ua * vectors[b * dim + k];
    }
  }
  return { dim, mean, matrix };
}

/** Whitens one row: out = W (x - mean). */
export function whitenRow(z: Zca, x: ArrayLike<number>, xo: number, out: Float32Array | Float64Array, oo = 0): void {
  const { dim, mean, matrix } = z;
  for (let a = 0; a < dim; a++) {
    let s = 0;
    const r = a * dim;
    for (let b = 0; b < dim; b++) s += matrix[r + b] * (x[xo + b] - mean[b]);
    out[oo + a] = s;
  }
}

/** Whitens every row of x (n x dim) into a new matrix. */
export function applyZca(z: Zca, x: Float32Array | Float64Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += z.dim) whitenRow(z, x, o, out, o);
  return out;
}
