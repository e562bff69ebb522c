import type { Grid, Volume } from '@mic/imaging';

/**
 * Label map from a coarse grid onto the fine grid of `like` (same direction): each fine voxel takes the label
 * whose linearly interpolated indicator is largest, if at least 0.5. Smooth boundaries, no staircase.
 */
export function upsampleLabels(coarse: Uint8Array, grid: Grid, like: Volume, nLabels: number): Uint8Array {
  const [mx, my, mz] = grid.dims;
  const mxy = mx * my;
  const [nx, ny, nz] = like.dims;
  const out = new Uint8Array(nx * ny * nz);
  const d = like.direction;
  const delta = [0, 1, 2].map((r) => like.origin.reduce((s, o, c) => s + d[3 * c + r] * (o - grid.origin[c]), 0));
  const pos = (a: number, n: number, m: number) => {
    const x = new Float64Array(n);
    for (let t = 0; t < n; t++) x[t] = Math.min(m - 1, Math.max(0, (delta[a] + t * like.spacing[a]) / grid.spacing[a]));
    return x;
  };
  const px = pos(0, nx, mx);
  const py = pos(1, ny, my);
  const pz = pos(2, nz, mz);
  const ix0 = Int32Array.from(px, Math.floor);
  const ix1 = ix0.map((x) => Math.min(x + 1, mx - 1));
  // per coarse row, the columns holding labels: fine voxels whose eight neighbours lie outside stay 0
  const rowLo = new Int32Array(my * mz).fill(mx);
  const rowHi = new Int32Array(my * mz).fill(-1);
  for (let r = 0; r < my * mz; r++)
    for (let x = 0; x < mx; x++)
      if (coarse[r * mx + x]) {
        if (rowLo[r] === mx) rowLo[r] = x;
        rowHi[r] = x;
      }
  const w = new Float64Array(nLabels + 1);
  for (let k = 0; k < nz; k++) {
    const z0 = Math.floor(pz[k]);
    const z1 = Math.min(z0 + 1, mz - 1);
    const fz = pz[k] - z0;
    for (let j = 0; j < ny; j++) {
      const y0 = Math.floor(py[j]);
      const y1 = Math.min(y0 + 1, my - 1);
      const fy = py[j] - y0;
      const rows = [y0 + my * z0, y1 + my * z0, y0 + my * z1, y1 + my * z1];
      const lo = Math.min(...rows.map((r) => rowLo[r]));
      const hi = Math.max(...rows.map((r) => rowHi[r]));
      if (hi < 0) continue;
      const row = nx * (j + ny * k);
      for (let i = 0; i < nx; i++) {
        const x0 = ix0[i];
        const x1 = ix1[i];
        if (x1 < lo || x0 > hi) continue;
        const fx = px[i] - x0;
        const a = coarse[x0 + mx * y0 + mxy * z0];
        // fast path: all eight neighbours agree
        if (
          a === coarse[x1 + mx * y0 + mxy * z0] &&
          a === coarse[x0 + mx * y1 + mxy * z0] &&
          a === coarse[x1 + mx * y1 + mxy * z0] &&
          a === coarse[x0 + mx * y0 + mxy * z1] &&
          a === coarse[x1 + mx * y0 + mxy * z1] &&
          a === coarse[x0 + mx * y1 + mxy * z1] &&
          a === coarse[x1 + mx * y1 + mxy * z1]
        ) {
          out[row + i] = a;
          continue;
        }
        w.fill(0);
        w[coarse[x0 + mx * y0 + mxy * z0]] += (1 - fx) * (1 - fy) * (1 - fz);
        w[coarse[x1 + mx * y0 + mxy * z0]] += fx * (1 - fy) * (1 - fz);
        w[coarse[x0 + mx * y1 + mxy * z0]] += (1 - fx) * fy * (1 - fz);
        w[coarse[x1 + mx * y1 + mxy * z0]] += fx * fy * (1 - fz);
        w[coarse[x0 + mx * y0 + mxy * z1]] += (1 - fx) * (1 - fy) * fz;
        w[coarse[x1 + mx * y0 + mxy * z1]] += fx * (1 - fy) * fz;
        w[coarse[x0 + mx * y1 + mxy * z1]] += (1 - fx) * fy * fz;
        w[coarse[x1 + mx * y1 + mxy * z1]] += fx * fy * fz;
        let best = 0;
        for (let l = 1; l <= nLabels; l++) if (w[l] > w[best] && w[l] >= 0.5) best = l;
        out[row + i] = best;
      }
    }
  }
  return out;
}
