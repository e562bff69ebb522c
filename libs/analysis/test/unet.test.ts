import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  ModelFormatError,
  blendProbabilities,
  ensembleUnet,
  labelProbabilities,
  unetLabels,
  unetProbabilities,
  unetPasses,
  unetMethod,
  conv2d,
  parseUnetModel,
  resizeBilinear,
  segmentUnet,
  unetForward,
  meanDice,
  segmentHuSlice,
  segmentWindowedSlice,
  sliceDice,
  TRUE_HU_LUNG_MARGIN_MM,
  type ConvLayer,
} from '../src/index.js';
import { parseDicom, readHu } from '@mic/dicom';
import { IDENTITY_DIRECTION, type Vec3 } from '@mic/imaging';
import { dataPath } from '../../../test/support/data.js';
import { labelled } from './training-slices.js';

// Written by training/unet/fixture.py: a tiny network, an input and the training framework's own outputs.
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/unet-parity.json', import.meta.url), 'utf8'));
const floats = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('unet runtime', () => {
  it('gives the training framework probabilities (batch norm folded, nearest up-sampling, skips)', () => {
    const model = parseUnetModel(JSON.stringify(FIXTURE.model));
    const { h, w, data } = FIXTURE.input;
    const p = unetForward(model, { c: 1, h, w, data: floats(data) });
    const want = floats(FIXTURE.probabilities);
    expect(p.data).toHaveLength(want.length);
    expect(maxDiff(p.data, want)).toBeLessThan(1e-5);
  });

  it('resamples bilinearly with aligned pixel centres as the framework does', () => {
    const r = FIXTURE.resize;
    const out = resizeBilinear(floats(r.src), 1, r.h, r.w, r.H, r.W);
    expect(maxDiff(out, floats(r.out))).toBeLessThan(1e-5);
  });

  it('convolves with zero padding: a centred kernel sees only the pixels inside', () => {
    const layer: ConvLayer = { out: 1, in: 1, k: 3, w: new Float32Array(9).fill(1), b: new Float32Array([0.5]) };
    const y = conv2d({ c: 1, h: 3, w: 3, data: new Float32Array(9).fill(1) }, layer, false);
    expect(Array.from(y.data)).toEqual([4.5, 6.5, 4.5, 6.5, 9.5, 6.5, 4.5, 6.5, 4.5]);
  });

  it('refuses a model whose layers do not match its widths', () => {
    const m = structuredClone(FIXTURE.model);
    m.layers[2].out = 9;
    expect(() => parseUnetModel(JSON.stringify(m))).toThrow(ModelFormatError);
    expect(() => parseUnetModel('{"format":"mic-slice-mlp","version":1}')).toThrow(/not a mic-slice-unet/);
    const cut = structuredClone(FIXTURE.model);
    cut.layers[0].w = cut.layers[0].w.slice(0, 8);
    expect(() => parseUnetModel(JSON.stringify(cut))).toThrow(/sizes broken/);
  });

  it('refuses a blend weight outside [0, 1] and a blend without its pixel classifier', () => {
    const m = structuredClone(FIXTURE.model);
    expect(() => parseUnetModel(JSON.stringify({ ...m, mlpWeight: 1.5 }))).toThrow(/mlpWeight/);
    expect(() => parseUnetModel(JSON.stringify({ ...m, mlpWeight: 0.3 }))).toThrow(/mic-slice-mlp/);
    expect(() => parseUnetModel(JSON.stringify({ ...m, consolidationGain: 0 }))).toThrow(/consolidationGain/);
  });

  it('blends probabilities and weights the classes before the arg-max', () => {
    const a = Float32Array.from([0.6, 0.3, 0.1]);
    const b = blendProbabilities(a, Float32Array.from([0, 0, 1]), 0.5);
    [0.3, 0.15, 0.55].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    // One pixel: background 0.5, GGO 0.3, consolidation 0.2 on a 1 x 1 slice, no patch rules.
    const p = Float32Array.from([0.5, 0.3, 0.2]);
    const post = { minLesionMm2: 0, minConsolidationMm2: 0 };
    expect(labelProbabilities(p, 1, 1, 1, post)[0]).toBe(0);
    expect(labelProbabilities(p, 1, 1, 1, { ...post, lesionGain: 2 })[0]).toBe(1);
    expect(labelProbabilities(p, 1, 1, 1, { ...post, lesionGain: 2, consolidationGain: 1.6 })[0]).toBe(2);
    // Two pixels, one GGO and one consolidation: consolidation is half the lesion area.
    const two = Float32Array.from([0.1, 0.1, 0.8, 0.2, 0.1, 0.7]);
    expect(Array.from(labelProbabilities(two, 2, 1, 1, { ...post, minConsolidationShare: 0.5 }))).toEqual([1, 2]);
    expect(Array.from(labelProbabilities(two, 2, 1, 1, { ...post, minConsolidationShare: 0.6 }))).toEqual([1, 1]);
  });

  it('splits GGO from consolidation by the network alone where the post-processing says so', () => {
    // One pixel: the network says consolidation, the pixel classifier background; blended half and half the pixel
    // is a lesion (background 0.25, GGO 0.45) and the blend calls it GGO; the network alone calls it consolidation.
    const net = Float32Array.from([0.2, 0.3, 0.5]);
    const mlp = Float32Array.from([0.3, 0.6, 0.1]);
    const post = { minLesionMm2: 0, minConsolidationMm2: 0, mlpWeight: 0.5 };
    expect(unetLabels(net, () => mlp, 1, 1, 1, post)[0]).toBe(1);
    expect(unetLabels(net, () => mlp, 1, 1, 1, { ...post, splitByNetwork: true })[0]).toBe(2);
    // Lesion or not still comes from the blend: with a confident background classifier the pixel is background.
    const clear = Float32Array.from([1, 0, 0]);
    expect(unetLabels(net, () => clear, 1, 1, 1, { ...post, mlpWeight: 0.8, splitByNetwork: true })[0]).toBe(0);
    expect(net[2]).toBe(0.5);
    expect(() => parseUnetModel(JSON.stringify({ ...FIXTURE.model, flipRows: 1 }))).toThrow(/flipRows/);
  });

  it('averages the flipped passes: a slice and its flipped copy get flipped probabilities', () => {
    const model = parseUnetModel(JSON.stringify(FIXTURE.model));
    const [w, h] = [24, 16];
    // Each channel turned 180 degrees (flipped both ways).
    const turn = (p: Float32Array) =>
      Float32Array.from(p, (_, i) => {
        const [c, y, x] = [Math.floor(i / (w * h)), Math.floor((i % (w * h)) / w), i % w];
        return p[c * w * h + (h - 1 - y) * w + (w - 1 - x)];
      });
    const hu = Float32Array.from({ length: w * h }, (_, i) => -1000 + ((i * 37) % 900));
    const probs = (x: Float32Array, passes: boolean) => unetProbabilities(x, w, h, model.gridMm, model, passes, passes);
    expect(maxDiff(probs(hu, true), turn(probs(turn(hu), true)))).toBeLessThan(1e-5);
    // One pass alone is not symmetric, so the check above means something.
    expect(maxDiff(probs(hu, false), turn(probs(turn(hu), false)))).toBeGreaterThan(1e-3);
  });

  it('runs a subset of the passes (for threads): the halves averaged give the whole, the labels the same', () => {
    // The tiny network is nearly flat here: this lesion gain puts the boundary inside the slice (both labels).
    const flags = { mirror: true, flipRows: true, minLesionMm2: 0, minConsolidationMm2: 0, lesionGain: 0.83 };
    const model = parseUnetModel(JSON.stringify({ ...FIXTURE.model, ...flags }));
    const [w, h, sp] = [24, 16, model.gridMm];
    const hu = Float32Array.from({ length: w * h }, (_, i) => -1000 + ((i * 41) % 980));
    const all = unetPasses(true, true);
    expect(all).toEqual([
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]);
    const whole = unetProbabilities(hu, w, h, sp, model);
    const a = unetProbabilities(hu, w, h, sp, model, false, false, [all[0], all[2]]);
    const b = unetProbabilities(hu, w, h, sp, model, false, false, [all[1], all[3]]);
    expect(maxDiff(a, b)).toBeGreaterThan(1e-3);
    expect(
      maxDiff(
        whole,
        a.map((v, i) => (v + b[i]) / 2),
      ),
    ).toBeLessThan(1e-6);
    const geometry = { spacing: [sp, sp, 1] as Vec3, origin: [0, 0, 0] as Vec3, direction: IDENTITY_DIRECTION };
    const vol = { ...geometry, dims: [w, h, 1] as Vec3, data: hu };
    const lungs = { ...vol, data: new Uint8Array(w * h).fill(1) };
    const labels = unetMethod(model, whole).partition(vol, lungs).data;
    expect(new Set(labels).size).toBeGreaterThan(1);
    expect(labels).toEqual(unetMethod(model).partition(vol, lungs).data);
    // Probabilities of one slice do not stand for a volume's.
    const two = { ...geometry, dims: [w, h / 2, 2] as Vec3, data: hu };
    expect(() => unetMethod(model, whole).partition(two, { ...two, data: lungs.data })).toThrow(/one slice/);
  });

  it('averages the probabilities of an ensemble of networks, from a file as from ensembleUnet', () => {
    const a = parseUnetModel(JSON.stringify(FIXTURE.model));
    // A second member: the same architecture with the head's biases moved (another "seed").
    const raw = structuredClone(FIXTURE.model);
    const head = raw.layers[raw.layers.length - 1];
    const bias = floats(head.b).map((v, i) => v + (i - 1) * 0.8);
    head.b = Buffer.from(new Uint8Array(bias.buffer)).toString('base64');
    const b = parseUnetModel(JSON.stringify(raw));
    const [w, h] = [24, 16];
    const hu = Float32Array.from({ length: w * h }, (_, i) => -1000 + ((i * 53) % 950));
    const probs = (m: typeof a) => unetProbabilities(hu, w, h, a.gridMm, m, true, false);
    const [pa, pb] = [probs(a), probs(b)];
    expect(maxDiff(pa, pb)).toBeGreaterThan(1e-2);
    const mean = pa.map((v, i) => (v + pb[i]) / 2);
    const both = ensembleUnet([a, b]);
    expect(both.members).toHaveLength(1);
    expect(maxDiff(probs(both), mean)).toBeLessThan(1e-6);
    const file = parseUnetModel(JSON.stringify({ ...FIXTURE.model, members: [raw.layers] }));
    expect(maxDiff(probs(file), mean)).toBeLessThan(1e-6);
    // Members of members are kept flat; a single model stays as it was.
    expect(ensembleUnet([a, both]).members).toHaveLength(2);
    expect(ensembleUnet([a])).toBe(a);
    expect(() => ensembleUnet([a, { ...b, gridMm: 2 * b.gridMm }])).toThrow(ModelFormatError);
    const cut = structuredClone(raw.layers).slice(1);
    expect(() => parseUnetModel(JSON.stringify({ ...FIXTURE.model, members: [cut] }))).toThrow(/member 1 has/);
    expect(() => parseUnetModel(JSON.stringify({ ...FIXTURE.model, members: {} }))).toThrow(/members must be a list/);
  });

  it('labels a slice of any size on the model grid and drops patches under the minimum area', () => {
    const model = { ...parseUnetModel(JSON.stringify(FIXTURE.model)), minLesionMm2: 1e9 };
    const hu = Float32Array.from({ length: 37 * 29 }, (_, i) => -900 + (i % 300));
    const labels = segmentUnet(hu, 37, 29, 0.9, model);
    expect(labels).toHaveLength(37 * 29);
    expect(labels.every((v) => v === 0)).toBe(true);
  });
});

describe('the shipped unet model', () => {
  const model = parseUnetModel(readFileSync(new URL('../models/slice-unet.json', import.meta.url)));

  async function dicomSlice(...parts: string[]) {
    const { frames, info } = await readHu(parseDicom(readFileSync(dataPath(...parts))));
    return { hu: Float32Array.from(frames[0]), w: info.columns, h: info.rows, sp: info.frames[0].pixelSpacing![1] };
  }
  const share = (r: { lesions: Uint8Array; lungs: Uint8Array }) => {
    const lung = r.lungs.reduce((n, v) => n + (v ? 1 : 0), 0);
    expect(lung).toBeGreaterThan(10000);
    return r.lesions.reduce((n, v) => n + (v ? 1 : 0), 0) / lung;
  };

  it('finds the labelled lesions of training slices and is deterministic', () => {
    const runs = ['3', '29'].map((id) => {
      const { img, truth } = labelled(id);
      const lesions = segmentWindowedSlice(img, { method: 'unet', model }).lesions;
      return { lesions, dice: sliceDice(lesions, truth) };
    });
    const again = segmentWindowedSlice(labelled('3').img, { method: 'unet', model }).lesions;
    expect(Buffer.from(again).equals(Buffer.from(runs[0].lesions))).toBe(true);
    // The model saw these slices: a working one is far above the unsupervised methods' ~0.4.
    expect(meanDice(runs.map((r) => r.dice)).infection).toBeGreaterThan(0.65);
  }, 300000);

  it('calls a healthy true-HU LIDC slice clean and a COVID-19 slice involved', async () => {
    const healthy = await dicomSlice('lidc-partial', 'LIDC-IDRI-0001', '-117.500000.dcm');
    const covid = await dicomSlice('covid-ny-sbu-slices', 'A098752', 'axial', '19010127-128.dcm');
    const o = { method: 'unet', model, lesion: { lungMarginMm: TRUE_HU_LUNG_MARGIN_MM } };
    expect(share(segmentHuSlice(healthy.hu, healthy.w, healthy.h, healthy.sp, o))).toBeLessThan(0.03);
    expect(share(segmentHuSlice(covid.hu, covid.w, covid.h, covid.sp, o))).toBeGreaterThan(0.05);
  }, 300000);
});
