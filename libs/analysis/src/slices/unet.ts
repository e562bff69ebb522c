import type { Vec3 } from '@mic/imaging';
import type { LesionMethod } from '../lesions/types.js';
import { concat, conv2d, maxPool2, softmaxChannels, upsample2, type ConvLayer, type FeatureMap } from './nn.js';
import { sliceFeatures } from './features.js';
import {
  checkPixelModel,
  cleanLabels,
  ModelFormatError,
  parseJson,
  partitionSlices,
  pixelProbabilities,
  type PixelModel,
} from './pixel.js';

/**
 * The `unet` slice model (training/unet/train.py): a plain U-Net, two 3x3 conv + ReLU per level (batch norm folded
 * into the convolutions), 2x2 max-pool down, nearest 2x up + concatenation with the skip, 1x1 head to 3 classes.
 */
export interface UnetModel {
  format: 'mic-slice-unet';
  version: 1;
  /** Channels per level, top to bottom. */
  widths: number[];
  /** The network's pixel size (mm): slices are resampled to it and the probabilities back. */
  gridMm: number;
  /** Post-processing (`UnetPost`), chosen by cross-validation on the training slices (docs/lesions.md). */
  minLesionMm2: number;
  minConsolidationMm2: number;
  /** A slice whose consolidation is under this share of its lesion area has none (all GGO). */
  minConsolidationShare?: number;
  /** Factors on the lesion probabilities (both classes) and on consolidation's before the arg-max (1 = plain). */
  lesionGain?: number;
  consolidationGain?: number;
  /** Average with the prediction of the left-right mirrored slice. */
  mirror?: boolean;
  /** Also average the up-down flipped slice (and, with `mirror`, the slice flipped both ways): 4 passes. */
  flipRows?: boolean;
  /**
   * With a blend: lesion or not from the blend, GGO or consolidation from the network alone (the pixel classifier
   * is weaker on that split than on finding lesions).
   */
  splitByNetwork?: boolean;
  /** Weight of the pixel classifier's probabilities (`mlp`, embedded) blended with the network's. */
  mlpWeight?: number;
  mlp?: PixelModel;
  layers: ConvLayer[];
  /**
   * Further networks of the same architecture (other training seeds): their probabilities are averaged with this
   * one's, which damps the run-to-run spread of a single training.
   */
  members?: ConvLayer[][];
}

/** The choices made after the network: mirroring, the consolidation factor and the small-patch rules. */
export type UnetPost = Pick<
  UnetModel,
  | 'minLesionMm2'
  | 'minConsolidationMm2'
  | 'lesionGain'
  | 'consolidationGain'
  | 'mirror'
  | 'flipRows'
  | 'mlpWeight'
  | 'splitByNetwork'
  | 'minConsolidationShare'
>;

/** Every combination of the values given per option, the first option varying slowest (the CV's tie order). */
function combinations(axes: { [K in keyof UnetPost]?: UnetPost[K][] }): UnetPost[] {
  return Object.entries(axes).reduce<UnetPost[]>(
    (points, [key, values]) => points.flatMap((p) => values.map((v) => ({ ...p, [key]: v }))),
    [{} as UnetPost],
  );
}

/**
 * The grid of post-processing choices the CV searches (on the other folds, like the band choice): four flipped
 * passes, GGO/consolidation split by the network, lesion or not from the blend (docs/lesions.md).
 */
export const UNET_POST_GRID: UnetPost[] = combinations({
  mlpWeight: [0, 0.35, 0.6],
  mirror: [true],
  flipRows: [true],
  splitByNetwork: [true],
  lesionGain: [1, 1.4],
  consolidationGain: [0.8, 1, 1.25],
  minConsolidationMm2: [50, 150, 400],
  minConsolidationShare: [0, 0.1],
  minLesionMm2: [30],
});

/** The earlier grid (up to 2026-12): mirror or not, GGO/consolidation split by the blend too. */
export const UNET_BLEND_GRID: UnetPost[] = combinations({
  mlpWeight: [0, 0.35, 0.6],
  mirror: [false, true],
  lesionGain: [1, 1.4],
  consolidationGain: [0.8, 1, 1.25],
  minConsolidationMm2: [50, 150, 400],
  minConsolidationShare: [0, 0.1],
  minLesionMm2: [30],
});

interface RawLayer {
  out: number;
  in: number;
  k: number;
  w: string;
  b: string;
}

function floats(b64: unknown, n: number): Float32Array {
  if (typeof b64 !== 'string') throw new ModelFormatError('model layer weights missing');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== 4 * n) throw new ModelFormatError('model layer sizes broken');
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Parses a model file and checks every layer against the architecture its widths imply. */
export function parseUnetModel(bytes: Uint8Array | string): UnetModel {
  const m = parseJson<Omit<UnetModel, 'layers' | 'members'> & { layers: RawLayer[]; members?: RawLayer[][] }>(bytes);
  if (m?.format !== 'mic-slice-unet' || m.version !== 1) throw new ModelFormatError('not a mic-slice-unet v1 model');
  const W = m.widths;
  if (!Array.isArray(W) || W.length < 2 || !W.every((w) => Number.isInteger(w) && w > 0))
    throw new ModelFormatError('model widths broken');
  for (const k of ['gridMm', 'minLesionMm2', 'minConsolidationMm2'] as const)
    if (typeof m[k] !== 'number' || !(m[k] >= 0)) throw new ModelFormatError(`model ${k} missing or negative`);
  for (const k of ['mirror', 'flipRows', 'splitByNetwork'] as const)
    if (m[k] !== undefined && typeof m[k] !== 'boolean') throw new ModelFormatError(`model ${k} must be true or false`);
  for (const k of ['lesionGain', 'consolidationGain'] as const)
    if (m[k] !== undefined && !(m[k] > 0)) throw new ModelFormatError(`model ${k} must be positive`);
  const w = m.mlpWeight ?? 0;
  if (!(w >= 0 && w <= 1)) throw new ModelFormatError('model mlpWeight must be in [0, 1]');
  const share = m.minConsolidationShare ?? 0;
  if (!(share >= 0 && share <= 1)) throw new ModelFormatError('model minConsolidationShare must be in [0, 1]');
  if (w > 0) checkPixelModel(m.mlp as PixelModel);
  if (!(m.gridMm > 0)) throw new ModelFormatError('model gridMm must be positive');
  const shapes: [number, number, number][] = [];
  let cin = 1;
  for (const w of W) {
    shapes.push([w, cin, 3], [w, w, 3]);
    cin = w;
  }
  for (const w of W.slice(0, -1).reverse()) {
    shapes.push([w, cin + w, 3], [w, w, 3]);
    cin = w;
  }
  shapes.push([3, cin, 1]);
  const parse = (raw: RawLayer[], what: string): ConvLayer[] => {
    if (!Array.isArray(raw) || raw.length !== shapes.length)
      throw new ModelFormatError(`${what} has ${raw?.length} layers, its widths need ${shapes.length}`);
    return raw.map((l, i) => {
      const [o, n, k] = shapes[i];
      if (l.out !== o || l.in !== n || l.k !== k) throw new ModelFormatError(`${what} layer ${i} has the wrong shape`);
      return { out: o, in: n, k, w: floats(l.w, o * n * k * k), b: floats(l.b, o) };
    });
  };
  if (m.members !== undefined && !Array.isArray(m.members)) throw new ModelFormatError('model members must be a list');
  const { members: rawMembers, ...rest } = m;
  const members = rawMembers?.map((raw, i) => parse(raw, `model member ${i + 1}`));
  return { ...rest, layers: parse(m.layers, 'model'), ...(members ? { members } : {}) };
}

/**
 * One model averaging the networks of several (same widths and grid, e.g. trainings with different seeds); the
 * post-processing and any blended mlp are the first one's.
 */
export function ensembleUnet(models: UnetModel[]): UnetModel {
  const [first, ...rest] = models;
  if (!first) throw new RangeError('an ensemble needs at least one model');
  for (const m of rest)
    if (m.gridMm !== first.gridMm || m.widths.join() !== first.widths.join())
      throw new ModelFormatError('ensemble members must share widths and gridMm');
  const members = models.flatMap((m, i) => [...(i ? [m.layers] : []), ...(m.members ?? [])]);
  return members.length ? { ...first, members } : first;
}

/** Network input from (pseudo-)HU: air -1.1, soft tissue 1 (as in training). */
export const unetInput = (hu: number) => (Math.min(0, Math.max(-1050, hu)) + 525) / 477;

/** Class probabilities (3 x H x W) of a map already on the model's grid; H and W multiples of 2^(levels-1). */
export function unetForward(model: UnetModel, x: FeatureMap, layers = model.layers): FeatureMap {
  const levels = model.widths.length;
  let li = 0;
  const skips: FeatureMap[] = [];
  let h = x;
  for (let i = 0; i < levels; i++) {
    if (i) h = maxPool2(h);
    h = conv2d(h, layers[li++], true);
    h = conv2d(h, layers[li++], true);
    skips.push(h);
  }
  for (let i = levels - 2; i >= 0; i--) {
    h = concat(upsample2(h), skips[i]);
    h = conv2d(h, layers[li++], true);
    h = conv2d(h, layers[li++], true);
  }
  return softmaxChannels(conv2d(h, layers[li], false));
}

/** Bilinear resampling of each channel (pixel centres aligned, as the training framework's default). */
export function resizeBilinear(src: Float32Array, c: number, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(c * H * W);
  const axis = (n: number, N: number) => {
    const i0 = new Int32Array(N);
    const i1 = new Int32Array(N);
    const f = new Float32Array(N);
    for (let d = 0; d < N; d++) {
      const s = Math.max(0, ((d + 0.5) * n) / N - 0.5);
      i0[d] = Math.min(n - 1, Math.floor(s));
      i1[d] = Math.min(n - 1, i0[d] + 1);
      f[d] = s - i0[d];
    }
    return { i0, i1, f };
  };
  const ys = axis(h, H);
  const xs = axis(w, W);
  for (let k = 0; k < c; k++) {
    const s = k * h * w;
    const o = k * H * W;
    for (let y = 0; y < H; y++) {
      const r0 = s + ys.i0[y] * w;
      const r1 = s + ys.i1[y] * w;
      const fy = ys.f[y];
      for (let x = 0; x < W; x++) {
        const a = src[r0 + xs.i0[x]] * (1 - xs.f[x]) + src[r0 + xs.i1[x]] * xs.f[x];
        const b = src[r1 + xs.i0[x]] * (1 - xs.f[x]) + src[r1 + xs.i1[x]] * xs.f[x];
        out[o + y * W + x] = a * (1 - fy) + b * fy;
      }
    }
  }
  return out;
}

/** Edge-replicating pad of one channel to `H` x `W` (at the bottom and right). */
function padEdge(src: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const r = Math.min(y, h - 1) * w;
    for (let x = 0; x < W; x++) out[y * W + x] = src[r + Math.min(x, w - 1)];
  }
  return out;
}

/** One network pass: the slice flipped left-right (first) and/or up-down (second) before the network. */
export type UnetPass = readonly [boolean, boolean];

/** The passes `mirror` (left-right) and `flipRows` (up-down) ask for. */
export function unetPasses(mirror: boolean, flipRows: boolean): UnetPass[] {
  return (mirror ? [false, true] : [false]).flatMap((fx) =>
    (flipRows ? [false, true] : [false]).map((fy): UnetPass => [fx, fy]),
  );
}

/**
 * Class probabilities (3 x height x width) of one slice, averaged over the passes `mirror` (left-right) and
 * `flipRows` (up-down) ask for and over the model's members. `passes` runs a subset (their own average), so that
 * the passes of one slice can run on several threads.
 */
export function unetProbabilities(
  hu: Float32Array,
  width: number,
  height: number,
  spacingMm: number,
  model: UnetModel,
  mirror = model.mirror ?? false,
  flipRows = model.flipRows ?? false,
  passes = unetPasses(mirror, flipRows),
): Float32Array {
  const gw = Math.max(1, Math.round((width * spacingMm) / model.gridMm));
  const gh = Math.max(1, Math.round((height * spacingMm) / model.gridMm));
  const m = 1 << (model.widths.length - 1);
  const PW = Math.ceil(gw / m) * m;
  const PH = Math.ceil(gh / m) * m;
  const grid = resizeBilinear(hu.map(unetInput), 1, height, width, gh, gw);
  const crop = new Float32Array(3 * gh * gw);
  const nets = [model.layers, ...(model.members ?? [])];
  const runs = passes.length * nets.length;
  for (const [fx, fy] of passes) {
    const data = padEdge(flip(grid, gh, gw, fx, fy), gh, gw, PH, PW);
    for (const layers of nets) {
      const p = unetForward(model, { c: 1, h: PH, w: PW, data }, layers).data;
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < gh; y++) {
          const row = c * PH * PW + (fy ? gh - 1 - y : y) * PW;
          for (let x = 0; x < gw; x++) crop[c * gh * gw + y * gw + x] += p[row + (fx ? gw - 1 - x : x)] / runs;
        }
    }
  }
  return resizeBilinear(crop, 3, gh, gw, height, width);
}

/** One h x w channel flipped left-right (`fx`) and/or up-down (`fy`). */
function flip(src: Float32Array, h: number, w: number, fx: boolean, fy: boolean): Float32Array {
  if (!fx && !fy) return src;
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    const r = (fy ? h - 1 - y : y) * w;
    for (let x = 0; x < w; x++) out[y * w + x] = src[r + (fx ? w - 1 - x : x)];
  }
  return out;
}

/**
 * Labels 0/1/2 from class probabilities: weighted arg-max, then the small-patch rules. `split`, where given,
 * decides GGO or consolidation of the pixels `p` calls lesion.
 */
export function labelProbabilities(
  p: Float32Array,
  width: number,
  height: number,
  spacingMm: number,
  post: UnetPost,
  split: Float32Array = p,
): Uint8Array {
  const n = width * height;
  const g = post.lesionGain ?? 1;
  const cg = post.consolidationGain ?? 1;
  const gc = g * cg;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [p[i], g * p[n + i], gc * p[2 * n + i]];
    out[i] = a >= b && a >= c ? 0 : split[n + i] >= cg * split[2 * n + i] ? 1 : 2;
  }
  const dims: Vec3 = [width, height, 1];
  cleanLabels(out, dims, spacingMm, post.minLesionMm2, post.minConsolidationMm2);
  let lesion = 0;
  let cons = 0;
  for (let i = 0; i < n; i++) {
    if (out[i]) lesion++;
    if (out[i] === 2) cons++;
  }
  if (cons && cons < (post.minConsolidationShare ?? 0) * lesion) for (let i = 0; i < n; i++) if (out[i]) out[i] = 1;
  return out;
}

/** (1 - w) a + w b, in place in a. */
export function blendProbabilities(a: Float32Array, b: Float32Array, w: number): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = (1 - w) * a[i] + w * b[i];
  return a;
}

/**
 * Labels from the network's probabilities, blended first with the pixel classifier's (`mlp()`, asked for only when
 * the post-processing blends) where `post.mlpWeight` says.
 */
export function unetLabels(
  net: Float32Array,
  mlp: () => Float32Array,
  width: number,
  height: number,
  spacingMm: number,
  post: UnetPost,
): Uint8Array {
  const w = post.mlpWeight ?? 0;
  const p = w > 0 ? blendProbabilities(Float32Array.from(net), mlp(), w) : net;
  return labelProbabilities(p, width, height, spacingMm, post, post.splitByNetwork ? net : p);
}

/**
 * Labels 0/1/2 of one slice; `lungs` (the slice lung field) is needed only when the model blends in its mlp; `net`:
 * the network's probabilities when already computed (e.g. on worker threads).
 */
export function segmentUnet(
  hu: Float32Array,
  width: number,
  height: number,
  spacingMm: number,
  model: UnetModel,
  lungs?: Uint8Array,
  net = unetProbabilities(hu, width, height, spacingMm, model),
): Uint8Array {
  const mlp = () => {
    if (!model.mlp) throw new RangeError('this unet model blends an mlp it does not carry');
    if (!lungs) throw new RangeError('this unet model blends its mlp: the lung field is needed');
    return pixelProbabilities(sliceFeatures(hu, lungs, width, height, spacingMm), width, height, spacingMm, model.mlp);
  };
  return unetLabels(net, mlp, width, height, spacingMm, model);
}

/**
 * The model as a `LesionMethod` (every axial slice on its own). `net`, for a single slice only: its network
 * probabilities, computed elsewhere.
 */
export function unetMethod(model: UnetModel, net?: Float32Array): LesionMethod {
  const method = partitionSlices('unet', (hu, lungs, w, h, sp) => segmentUnet(hu, w, h, sp, model, lungs, net));
  if (!net) return method;
  return {
    ...method,
    partition(hu, lungs, opts) {
      if (hu.dims[2] !== 1) throw new RangeError('unet probabilities were given for one slice, not for a volume');
      return method.partition(hu, lungs, opts);
    },
  };
}
