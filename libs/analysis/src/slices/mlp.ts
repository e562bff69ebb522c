import { seededRandom } from '@mic/imaging';

/** A small fully connected network (ReLU hidden layers, softmax output) over standardised features. */
export interface MlpModel {
  inputs: number;
  /** Per-feature mean and standard deviation of the training rows. */
  mean: number[];
  std: number[];
  /** Layer l: weights out x in (row-major) and biases. */
  layers: { w: number[]; b: number[]; in: number; out: number }[];
}

export interface MlpTrainOptions {
  hidden?: number[];
  epochs?: number;
  batch?: number;
  lr?: number;
  l2?: number;
  seed?: number;
  /** Per-class loss weights. */
  classWeights?: number[];
}

/** Forward pass of one standardised row; writes class probabilities into `out`. */
function forward(m: MlpModel, row: Float64Array, acts: Float64Array[]): void {
  acts[0] = row;
  m.layers.forEach((L, l) => {
    const a = acts[l];
    const z = acts[l + 1];
    for (let j = 0; j < L.out; j++) {
      let s = L.b[j];
      const o = j * L.in;
      for (let i = 0; i < L.in; i++) s += L.w[o + i] * a[i];
      z[j] = l < m.layers.length - 1 ? Math.max(0, s) : s;
    }
  });
  const z = acts[m.layers.length];
  let mx = -Infinity;
  for (let j = 0; j < z.length; j++) mx = Math.max(mx, z[j]);
  let sum = 0;
  for (let j = 0; j < z.length; j++) sum += z[j] = Math.exp(z[j] - mx);
  for (let j = 0; j < z.length; j++) z[j] /= sum;
}

function buffers(m: MlpModel): Float64Array[] {
  return [new Float64Array(m.inputs), ...m.layers.map((L) => new Float64Array(L.out))];
}

/** Class probabilities of every row of `x` (rows x inputs): rows x classes. */
export function mlpPredict(m: MlpModel, x: Float32Array): Float32Array {
  const rows = x.length / m.inputs;
  const k = m.layers[m.layers.length - 1].out;
  const out = new Float32Array(rows * k);
  const acts = buffers(m);
  const row = new Float64Array(m.inputs);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < m.inputs; i++) row[i] = (x[r * m.inputs + i] - m.mean[i]) / m.std[i];
    forward(m, row, acts);
    const p = acts[m.layers.length];
    for (let j = 0; j < k; j++) out[r * k + j] = p[j];
  }
  return out;
}

/** Trains with Adam on softmax cross-entropy; deterministic for a fixed seed. */
export function mlpTrain(
  x: Float32Array,
  y: Uint8Array,
  inputs: number,
  classes: number,
  o: MlpTrainOptions = {},
): MlpModel {
  const rows = y.length;
  const rand = seededRandom(o.seed ?? 1);
  const mean = new Array<number>(inputs).fill(0);
  const std = new Array<number>(inputs).fill(0);
  for (let r = 0; r < rows; r++) for (let i = 0; i < inputs; i++) mean[i] += x[r * inputs + i] / rows;
  for (let r = 0; r < rows; r++) for (let i = 0; i < inputs; i++) std[i] += (x[r * inputs + i] - mean[i]) ** 2 / rows;
  for (let i = 0; i < inputs; i++) std[i] = Math.sqrt(std[i]) || 1;
  const sizes = [inputs, ...(o.hidden ?? [32]), classes];
  const layers = sizes.slice(1).map((out, l) => {
    const inn = sizes[l];
    const scale = Math.sqrt(2 / inn);
    // Box-Muller from the seeded stream.
    const w = Array.from({ length: out * inn }, () => {
      const u = Math.max(1e-12, rand());
      return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    });
    return { w, b: new Array<number>(out).fill(0), in: inn, out };
  });
  const m: MlpModel = { inputs, mean, std, layers };
  const nL = layers.length;
  const gw = layers.map((L) => new Float64Array(L.w.length));
  const gb = layers.map((L) => new Float64Array(L.b.length));
  const mw = layers.map((L) => new Float64Array(L.w.length));
  const vw = layers.map((L) => new Float64Array(L.w.length));
  const mb = layers.map((L) => new Float64Array(L.b.length));
  const vb = layers.map((L) => new Float64Array(L.b.length));
  const acts = buffers(m);
  const deltas = layers.map((L) => new Float64Array(L.out));
  const row = new Float64Array(inputs);
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const batch = o.batch ?? 256;
  const epochs = o.epochs ?? 20;
  const lr0 = o.lr ?? 3e-3;
  const l2 = o.l2 ?? 1e-4;
  const cw = o.classWeights ?? new Array<number>(classes).fill(1);
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    // Cosine decay of the learning rate over the epochs.
    const lr = lr0 * 0.5 * (1 + Math.cos((Math.PI * e) / epochs));
    for (let s = 0; s < rows; s += batch) {
      const end = Math.min(rows, s + batch);
      gw.forEach((g) => g.fill(0));
      gb.forEach((g) => g.fill(0));
      for (let q = s; q < end; q++) {
        const r = order[q];
        for (let i = 0; i < inputs; i++) row[i] = (x[r * inputs + i] - mean[i]) / std[i];
        forward(m, row, acts);
        const wgt = cw[y[r]];
        const out = acts[nL];
        for (let j = 0; j < classes; j++) deltas[nL - 1][j] = wgt * (out[j] - (j === y[r] ? 1 : 0));
        for (let l = nL - 1; l >= 0; l--) {
          const L = layers[l];
          const a = acts[l];
          const d = deltas[l];
          for (let j = 0; j < L.out; j++) {
            const dj = d[j];
            if (dj === 0) continue;
            gb[l][j] += dj;
            const off = j * L.in;
            for (let i = 0; i < L.in; i++) gw[l][off + i] += dj * a[i];
          }
          if (l > 0) {
            const dp = deltas[l - 1];
            for (let i = 0; i < L.in; i++) {
              if (a[i] <= 0) {
                dp[i] = 0;
                continue;
              }
              let sum = 0;
              for (let j = 0; j < L.out; j++) sum += L.w[j * L.in + i] * d[j];
              dp[i] = sum;
            }
          }
        }
      }
      step++;
      const nb = end - s;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      layers.forEach((L, l) => {
        for (let t = 0; t < L.w.length; t++) {
          const gr = gw[l][t] / nb + l2 * L.w[t];
          mw[l][t] = 0.9 * mw[l][t] + 0.1 * gr;
          vw[l][t] = 0.999 * vw[l][t] + 0.001 * gr * gr;
          L.w[t] -= (lr * (mw[l][t] / c1)) / (Math.sqrt(vw[l][t] / c2) + 1e-8);
        }
        for (let t = 0; t < L.b.length; t++) {
          const gr = gb[l][t] / nb;
          mb[l][t] = 0.9 * mb[l][t] + 0.1 * gr;
          vb[l][t] = 0.999 * vb[l][t] + 0.001 * gr * gr;
          L.b[t] -= (lr * (mb[l][t] / c1)) / (Math.sqrt(vb[l][t] / c2) + 1e-8);
        }
      });
    }
  }
  return m;
}
