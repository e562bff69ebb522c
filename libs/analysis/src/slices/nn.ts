/**
 * The few operations of a small 2D convolutional network, on planar channel-major float maps (C x H x W), so the
 * platform runs trained networks in plain TypeScript: no native runtime, same result on every machine.
 */

/** A convolution with square kernel `k` (1 or 3, zero padding keeps the size), weights out x in x k x k. */
export interface ConvLayer {
  out: number;
  in: number;
  k: number;
  w: Float32Array;
  b: Float32Array;
}

export interface FeatureMap {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

/** 3x3 (padding 1) or 1x1 convolution, ReLU after it when `relu`. */
export function conv2d(x: FeatureMap, l: ConvLayer, relu: boolean): FeatureMap {
  if (x.c !== l.in) throw new RangeError(`conv expects ${l.in} channels, got ${x.c}`);
  const { h: H, w: W } = x;
  const plane = H * W;
  const out = new Float32Array(l.out * plane);
  for (let o = 0; o < l.out; o++) out.fill(l.b[o], o * plane, (o + 1) * plane);
  for (let o = 0; o < l.out; o++) {
    const acc = out.subarray(o * plane, (o + 1) * plane);
    // Pairs of output channels share each pass over an input channel (half the loads of the input).
    const pair = l.k === 3 && o + 1 < l.out ? out.subarray((o + 1) * plane, (o + 2) * plane) : null;
    for (let c = 0; c < l.in; c++) {
      const src = x.data.subarray(c * plane, (c + 1) * plane);
      if (l.k === 1) {
        const wt = l.w[o * l.in + c];
        for (let p = 0; p < plane; p++) acc[p] += wt * src[p];
      } else if (pair) {
        accumulate3x3Pair(acc, pair, src, H, W, l.w, (o * l.in + c) * 9, ((o + 1) * l.in + c) * 9);
      } else {
        accumulate3x3(acc, src, H, W, l.w, (o * l.in + c) * 9);
      }
    }
    if (pair) o++;
  }
  if (relu) for (let p = 0; p < out.length; p++) if (out[p] < 0) out[p] = 0;
  return { c: l.out, h: H, w: W, data: out };
}

/** acc += src (*) kernel (cross-correlation, zero padding); the nine taps stay in registers. */
function accumulate3x3(acc: Float32Array, src: Float32Array, H: number, W: number, k: Float32Array, b: number): void {
  const k0 = k[b];
  const k1 = k[b + 1];
  const k2 = k[b + 2];
  const k3 = k[b + 3];
  const k4 = k[b + 4];
  const k5 = k[b + 5];
  const k6 = k[b + 6];
  const k7 = k[b + 7];
  const k8 = k[b + 8];
  for (let y = 1; y < H - 1; y++) {
    const r = y * W;
    for (let p = r + 1, end = r + W - 1; p < end; p++) {
      const u = p - W;
      const d = p + W;
      acc[p] +=
        k0 * src[u - 1] +
        k1 * src[u] +
        k2 * src[u + 1] +
        k3 * src[p - 1] +
        k4 * src[p] +
        k5 * src[p + 1] +
        k6 * src[d - 1] +
        k7 * src[d] +
        k8 * src[d + 1];
    }
  }
  // The border takes the general path (kept out of the loop above so the taps are not captured by a closure).
  for (let x = 0; x < W; x++) {
    borderPixel(acc, src, H, W, k, b, 0, x);
    if (H > 1) borderPixel(acc, src, H, W, k, b, H - 1, x);
  }
  for (let y = 1; y < H - 1; y++) {
    borderPixel(acc, src, H, W, k, b, y, 0);
    if (W > 1) borderPixel(acc, src, H, W, k, b, y, W - 1);
  }
}

/** Two output channels at once: acc += src (*) kernel at b, pair += src (*) kernel at b2. */
function accumulate3x3Pair(
  acc: Float32Array,
  pair: Float32Array,
  src: Float32Array,
  H: number,
  W: number,
  k: Float32Array,
  b: number,
  b2: number,
): void {
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = k.subarray(b, b + 9);
  const [c0, c1, c2, c3, c4, c5, c6, c7, c8] = k.subarray(b2, b2 + 9);
  for (let y = 1; y < H - 1; y++) {
    const r = y * W;
    for (let p = r + 1, end = r + W - 1; p < end; p++) {
      const u = p - W;
      const d = p + W;
      const s0 = src[u - 1];
      const s1 = src[u];
      const s2 = src[u + 1];
      const s3 = src[p - 1];
      const s4 = src[p];
      const s5 = src[p + 1];
      const s6 = src[d - 1];
      const s7 = src[d];
      const s8 = src[d + 1];
      acc[p] += a0 * s0 + a1 * s1 + a2 * s2 + a3 * s3 + a4 * s4 + a5 * s5 + a6 * s6 + a7 * s7 + a8 * s8;
      pair[p] += c0 * s0 + c1 * s1 + c2 * s2 + c3 * s3 + c4 * s4 + c5 * s5 + c6 * s6 + c7 * s7 + c8 * s8;
    }
  }
  for (let x = 0; x < W; x++)
    for (const y of H > 1 ? [0, H - 1] : [0]) {
      borderPixel(acc, src, H, W, k, b, y, x);
      borderPixel(pair, src, H, W, k, b2, y, x);
    }
  for (let y = 1; y < H - 1; y++)
    for (const x of W > 1 ? [0, W - 1] : [0]) {
      borderPixel(acc, src, H, W, k, b, y, x);
      borderPixel(pair, src, H, W, k, b2, y, x);
    }
}

function borderPixel(
  acc: Float32Array,
  src: Float32Array,
  H: number,
  W: number,
  k: Float32Array,
  b: number,
  y: number,
  x: number,
): void {
  let s = 0;
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy >= 0 && yy < H && xx >= 0 && xx < W) s += k[b + (dy + 1) * 3 + dx + 1] * src[yy * W + xx];
    }
  acc[y * W + x] += s;
}

/** 2x2 max pooling (stride 2); odd trailing rows or columns are dropped, as in the training framework. */
export function maxPool2(x: FeatureMap): FeatureMap {
  const h = x.h >> 1;
  const w = x.w >> 1;
  const out = new Float32Array(x.c * h * w);
  for (let c = 0; c < x.c; c++) {
    const src = c * x.h * x.w;
    const dst = c * h * w;
    for (let y = 0; y < h; y++)
      for (let i = 0; i < w; i++) {
        const p = src + 2 * y * x.w + 2 * i;
        out[dst + y * w + i] = Math.max(x.data[p], x.data[p + 1], x.data[p + x.w], x.data[p + x.w + 1]);
      }
  }
  return { c: x.c, h, w, data: out };
}

/** Nearest-neighbour 2x upsampling. */
export function upsample2(x: FeatureMap): FeatureMap {
  const h = x.h * 2;
  const w = x.w * 2;
  const out = new Float32Array(x.c * h * w);
  for (let c = 0; c < x.c; c++) {
    const src = c * x.h * x.w;
    const dst = c * h * w;
    for (let y = 0; y < h; y++) {
      const row = src + (y >> 1) * x.w;
      for (let i = 0; i < w; i++) out[dst + y * w + i] = x.data[row + (i >> 1)];
    }
  }
  return { c: x.c, h, w, data: out };
}

/** Channel concatenation (a first, then b) of maps of one size. */
export function concat(a: FeatureMap, b: FeatureMap): FeatureMap {
  if (a.h !== b.h || a.w !== b.w) throw new RangeError('concat of maps of different sizes');
  const data = new Float32Array((a.c + b.c) * a.h * a.w);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { c: a.c + b.c, h: a.h, w: a.w, data };
}

/** Softmax over channels at every pixel, in place. */
export function softmaxChannels(x: FeatureMap): FeatureMap {
  const plane = x.h * x.w;
  for (let p = 0; p < plane; p++) {
    let m = -Infinity;
    for (let c = 0; c < x.c; c++) m = Math.max(m, x.data[c * plane + p]);
    let s = 0;
    for (let c = 0; c < x.c; c++) s += x.data[c * plane + p] = Math.exp(x.data[c * plane + p] - m);
    for (let c = 0; c < x.c; c++) x.data[c * plane + p] /= s;
  }
  return x;
}
