import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import {
  ASSUMED_FIELD_MM,
  DEFAULT_SLICE_METHOD,
  SLICE_METHODS,
  applyCalibration,
  calibrateWindowed,
  crossValidate,
  crossValidateTrained,
  ensembleUnet,
  crossValidateUnet,
  UNET_GRIDS,
  type UnetModel,
  sliceFeatures,
  trainContextOnFeatures,
  trainPixelModel,
  decodeGray,
  decodeLabels,
  encodeGrayPng,
  isJpeg,
  isPng,
  diceInterval,
  meanDice,
  scoreSlice,
  segmentHuSlice,
  zeroSlices,
  sliceLungMask,
  unetPasses,
  WINDOWED_BANDS,
  TRUE_HU_LUNG_MARGIN_MM,
  TRUE_HU_LUNG,
  type LabelledSlice,
} from '@mic/analysis';
import { displayFlips, parseDicom, readHu } from '@mic/dicom';
import { flipPlane } from '@mic/imaging';
import { CliError } from '../errors.js';
import { Pool, threadCount } from '../analysis/pool.js';
import { loadModel, MODELS, readBytes } from '../analysis/slice-models.js';

interface HuSlice {
  /** Pseudo-HU from a windowed image: use the windowed band choice. */
  windowed: boolean;
  hu: Float32Array;
  width: number;
  height: number;
  spacingMm: number;
  /** How the pixels were flipped into display order (DICOM of a prone patient, a mirrored series): undone on output. */
  flip: { columns: boolean; rows: boolean };
}

const NO_FLIP = { columns: false, rows: false };

/** Labels back in the input's own pixel order. */
const unflip = (s: HuSlice, labels: Uint8Array) =>
  s.flip.columns || s.flip.rows ? flipPlane(labels, s.width, s.height, s.flip.columns, s.flip.rows) : labels;

/** A slice in HU: DICOM through its rescale, PNG/JPEG (windowed) through the image's own histogram. */
async function loadSlice(path: string): Promise<HuSlice> {
  const bytes = readBytes(path);
  try {
    if (isPng(bytes) || isJpeg(bytes)) {
      const img = decodeGray(bytes);
      const hu = applyCalibration(img.pixels, calibrateWindowed(img.pixels));
      const spacingMm = ASSUMED_FIELD_MM / img.width;
      return { windowed: true, hu, width: img.width, height: img.height, spacingMm, flip: NO_FLIP };
    }
    const { frames, info } = await readHu(parseDicom(bytes));
    if (info.numberOfFrames !== 1) throw new Error(`expected one frame, found ${info.numberOfFrames}`);
    const spacing = info.frames[0]?.pixelSpacing?.[1] ?? 0.7;
    // The lung sides and the network expect display order (the patient's right on the image's left, anterior up).
    const flip = displayFlips(info.frames[0]?.orientation);
    const hu = Float32Array.from(frames[0]);
    return {
      windowed: false,
      hu: flip.columns || flip.rows ? flipPlane(hu, info.columns, info.rows, flip.columns, flip.rows) : hu,
      width: info.columns,
      height: info.rows,
      spacingMm: spacing,
      flip,
    };
  } catch (err) {
    throw new CliError(`${path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

const METHOD_LIST = SLICE_METHODS.join(', ');

function checkMethod(name: string): string {
  if (!(SLICE_METHODS as readonly string[]).includes(name))
    throw new CliError(`unknown --method '${name}' (${METHOD_LIST})`, 2);
  return name;
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new CliError(`cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function writePng(path: string, pixels: Uint8Array, width: number, height: number): void {
  try {
    writeFileSync(path, encodeGrayPng({ width, height, pixels }));
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Windowed slices: the CV band choice. True HU: literature bands, and mlp lesions kept near the lung field. */
const bands = (s: { windowed: boolean }) => (s.windowed ? WINDOWED_BANDS : { lungMarginMm: TRUE_HU_LUNG_MARGIN_MM });
/** The lung field: diseased lung by its local mean on true HU only (pseudo-HU is too loose a scale for it). */
const lungOptions = (s: { windowed: boolean }) => (s.windowed ? {} : TRUE_HU_LUNG);

const cpus = Math.max(1, availableParallelism());

const stem = (f: string) => basename(f, extname(f));

function listImages(dir: string, flag: string): Map<string, string> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).filter((f) => !f.startsWith('.'));
  } catch (err) {
    throw new CliError(`${flag} ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 2);
  }
  const out = new Map<string, string>();
  for (const f of names.sort()) {
    if (out.has(stem(f))) throw new CliError(`${flag} ${dir}: two files named ${stem(f)}.*`, 2);
    out.set(stem(f), join(dir, f));
  }
  if (out.size === 0) throw new CliError(`${flag} ${dir}: no files`, 2);
  return out;
}

/** Image/label pairs by file name without extension (images may be .jpg where labels are .png). */
function pairs(imagesDir: string, labelsDir: string): [string, string, string][] {
  const imgs = listImages(imagesDir, '--images');
  const labs = listImages(labelsDir, '--labels');
  const noLabel = [...imgs.keys()].filter((k) => !labs.has(k));
  const noImage = [...labs.keys()].filter((k) => !imgs.has(k));
  if (noLabel.length)
    throw new CliError(`no label for image ${noLabel.slice(0, 3).join(', ')} (${noLabel.length} in all)`, 2);
  if (noImage.length)
    throw new CliError(`no image for label ${noImage.slice(0, 3).join(', ')} (${noImage.length} in all)`, 2);
  const keys = [...imgs.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return keys.map((k) => [k, imgs.get(k)!, labs.get(k)!]);
}

type Labelled = LabelledSlice & { windowed: boolean; flip: HuSlice['flip'] };

async function loadLabelled(imagesDir: string, labelsDir: string): Promise<Labelled[]> {
  const out: Labelled[] = [];
  for (const [name, img, lab] of pairs(imagesDir, labelsDir)) {
    const s = await loadSlice(img);
    let truth;
    try {
      truth = decodeLabels(readBytes(lab));
    } catch (err) {
      throw new CliError(`${lab}: ${(err as Error).message}`);
    }
    if (truth.width !== s.width || truth.height !== s.height)
      throw new CliError(`${name}: image is ${s.width}x${s.height} but label is ${truth.width}x${truth.height}`);
    // scored in display order, as segmented; the labels scored are written back in the image's own order
    const pixels = unflip(s, truth.pixels);
    out.push({ name, ...s, lungs: sliceLungMask(s.hu, s.width, s.height, lungOptions(s)), truth: pixels });
  }
  return out;
}

interface SegmentSliceOptions {
  out: string;
  method: string;
  model?: string;
  lungOut?: string;
  threads: string;
}

/**
 * The unet's probabilities of one slice with its passes spread over worker threads; undefined (the caller runs them
 * in-process) with one thread or pass, or where no pool opens (tests run the sources).
 */
async function unetOnThreads(
  model: UnetModel,
  s: { hu: Float32Array; width: number; height: number; spacingMm: number },
  modelFile: string | undefined,
  threads: number,
): Promise<Float32Array | undefined> {
  const passes = unetPasses(model.mirror ?? false, model.flipRows ?? false).length;
  const pool = passes > 1 ? Pool.open(Math.min(threads, passes)) : null;
  if (!pool) return undefined;
  try {
    const { hu, width, height, spacingMm } = s;
    return await pool.unetProbabilities(model, { hu, width, height, spacingMm, modelFile });
  } finally {
    await pool.close();
  }
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 10000) / 10000);

/**
 * The unet's fold models (training/unet/cv.sh): fold-0.json .. fold-<k-1>.json in each folder, each trained without
 * its fold; several folders (training seeds) make each fold's model an ensemble of theirs.
 */
const foldModels = (dirs: string[], k: number) =>
  Array.from({ length: k }, (_, f) =>
    ensembleUnet(dirs.map((dir) => loadModel('unet', join(dir, `fold-${f}.json`)) as UnetModel)),
  );

export function registerSlices(program: Command): void {
  program
    .command('segment-slice')
    .description('GGO / consolidation labels of one axial CT slice (DICOM in HU, or a windowed PNG/JPEG)')
    .argument('<image>', 'slice: .dcm, .png or .jpg')
    .requiredOption('--out <png>', 'label PNG: 0 background, 1 GGO, 2 consolidation')
    .option('--method <name>', `lesion method: ${METHOD_LIST}`, DEFAULT_SLICE_METHOD)
    .option('--model <json>', 'model file of the mlp or context method (default: the shipped one)')
    .option('--lung-out <png>', 'lung PNG: 0 background, 1 right lung, 2 left lung (radiological convention)')
    .option('--threads <n>', 'unet: its passes over the slice spread over threads (0 or 1: in-process)', String(cpus))
    .action(async (image: string, o: SegmentSliceOptions) => {
      const method = checkMethod(o.method);
      const threads = threadCount(o.threads, 2);
      const model = loadModel(method, o.model);
      const s = await loadSlice(image);
      const net = method === 'unet' ? await unetOnThreads(model as UnetModel, s, o.model, threads) : undefined;
      const r = segmentHuSlice(s.hu, s.width, s.height, s.spacingMm, {
        method,
        model,
        lesion: bands(s),
        lung: lungOptions(s),
        unetProbabilities: net,
      });
      writePng(o.out, unflip(s, r.lesions), s.width, s.height);
      if (o.lungOut) writePng(o.lungOut, unflip(s, r.lungs), s.width, s.height);
      let lung = 0;
      let ggo = 0;
      let cons = 0;
      for (let p = 0; p < r.lungs.length; p++) {
        if (r.lungs[p]) lung++;
        if (r.lesions[p] === 1) ggo++;
        if (r.lesions[p] === 2) cons++;
      }
      const pct = (v: number) => (lung ? ((100 * v) / lung).toFixed(1) : '0.0');
      process.stdout.write(`${method}: lung ${lung} px, GGO ${pct(ggo)} %, consolidation ${pct(cons)} % of lung\n`);
    });

  program
    .command('eval-slices')
    .description('Dice of infection, GGO and consolidation against labelled slices (same file names)')
    .requiredOption('--images <dir>', 'slices (.dcm, .png, .jpg)')
    .requiredOption(
      '--labels <dir>',
      'label PNGs: grey 0/1/2, grey 0/128/255, or palette red GGO / green consolidation',
    )
    .option('--method <name>', `lesion method: ${METHOD_LIST}`, DEFAULT_SLICE_METHOD)
    .option('--model <json>', 'model file of a supervised method (default: the shipped one; ignored with --cv)')
    .option('--cv <k>', 'k-fold cross-validation (band choice, or training of mlp/context); reports held-out Dice')
    .option(
      '--fold-models <dir...>',
      'with --cv and unet: fold-0.json .. fold-<k-1>.json, each trained without its fold (several folders: averaged)',
    )
    .option('--seed <n>', 'fold shuffle seed for --cv', '1')
    .option('--threads <n>', 'slices segmented in parallel (without --cv; 0 or 1: in-process)', String(cpus))
    .option(
      '--post-grid <name>',
      'with --cv and unet: post-processing grid, split (default) or blend (the earlier one)',
      'split',
    )
    .option('--pred-out <dir>', "writes each slice's labels there as <name>.png (0/1/2; with --cv the held-out ones)")
    .option('--json', 'print JSON')
    .action(
      async (o: {
        predOut?: string;
        images: string;
        labels: string;
        method: string;
        model?: string;
        cv?: string;
        seed: string;
        json?: boolean;
        foldModels?: string[];
        postGrid: string;
        threads: string;
      }) => {
        const method = checkMethod(o.method);
        if (method === 'unet' && o.cv !== undefined && !o.foldModels)
          throw new CliError('--cv with unet needs --fold-models <dir> (fold models from training/unet/cv.sh)', 2);
        if (!Object.hasOwn(UNET_GRIDS, o.postGrid))
          throw new CliError(`--post-grid must be ${Object.keys(UNET_GRIDS).join(' or ')}, not '${o.postGrid}'`, 2);
        const model = o.cv === undefined ? loadModel(method, o.model) : undefined;
        const slices = await loadLabelled(o.images, o.labels);
        if (o.predOut) makeDir(o.predOut);
        const save = (s: Labelled, labels: Uint8Array) => {
          if (o.predOut) writePng(join(o.predOut, `${s.name}.png`), unflip(s, labels), s.width, s.height);
        };
        let result: Record<string, unknown>;
        if (o.cv !== undefined) {
          const k = Number(o.cv);
          if (!Number.isInteger(k) || k < 2 || k > slices.length)
            throw new CliError(`--cv must be 2..${slices.length}`, 2);
          const seed = Number(o.seed) || 1;
          const cv =
            method === 'unet'
              ? crossValidateUnet(
                  slices,
                  foldModels(o.foldModels!, k),
                  seed,
                  bands,
                  UNET_GRIDS[o.postGrid as keyof typeof UNET_GRIDS],
                )
              : method === 'mlp' || method === 'context'
                ? crossValidateTrained(slices, k, seed, {}, method)
                : crossValidate(method, slices, k, seed);
          slices.forEach((s, i) => save(s, cv.labels[i]));
          result = {
            method,
            protocol: `${k}-fold CV, seed ${cv.seed}`,
            ...('chosen' in cv ? { chosen: cv.chosen } : {}),
            ...('shipped' in cv ? { shipped: cv.shipped } : {}),
            mean: cv.mean,
            ci95: diceInterval(cv.perSlice),
            zeroSlices: zeroSlices(cv.perSlice),
            perImage: cv.perSlice,
            // Every grid point's mean over all held-out slices: how flat the grid is (docs/lesions.md).
            ...('points' in cv ? { points: cv.points } : {}),
          };
        } else {
          // One slice per thread at a time (the unet's passes dominate); in-process without a pool.
          const pool = Pool.open(Math.min(threadCount(o.threads, 2), slices.length));
          try {
            const perImage = await Promise.all(
              slices.map(async (s) => {
                const { hu, width, height, spacingMm } = s;
                const r = pool
                  ? await pool.segmentSlice({
                      method,
                      modelFile: o.model,
                      hu,
                      width,
                      height,
                      spacingMm,
                      lesion: bands(s),
                      lung: lungOptions(s),
                    })
                  : segmentHuSlice(hu, width, height, spacingMm, {
                      method,
                      model,
                      lesion: bands(s),
                      lung: lungOptions(s),
                    });
                save(s, r.lesions);
                return { name: s.name, ...scoreSlice(r.lesions, s.truth) };
              }),
            );
            result = {
              method,
              mean: meanDice(perImage),
              ci95: diceInterval(perImage),
              zeroSlices: zeroSlices(perImage),
              perImage,
            };
          } finally {
            await pool?.close();
          }
        }
        const mean = result.mean as ReturnType<typeof meanDice>;
        if (o.json) {
          process.stdout.write(JSON.stringify(result, (_k, v) => (typeof v === 'number' ? round(v) : v), 2) + '\n');
        } else {
          const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
          const z = (result.zeroSlices as ReturnType<typeof zeroSlices>).consolidation;
          const ci = result.ci95 as ReturnType<typeof diceInterval>;
          const range = (v: [number, number] | null) => (v ? `${v[0].toFixed(3)}-${v[1].toFixed(3)}` : 'n/a');
          process.stdout.write(
            `${method} on ${slices.length} slices: infection ${f(mean.infection)}, GGO ${f(mean.ggo)}, consolidation ${f(mean.consolidation)}\n` +
              `consolidation scored on ${mean.counted.consolidation} slices: ${z.calledWithoutTruth.length} score 0 for calling it where ` +
              `the truth has none, ${z.missedWithTruth.length} for missing it where the truth has some\n` +
              `95 % interval of the means (bootstrap over slices): infection ${range(ci.infection)}, ` +
              `GGO ${range(ci.ggo)}, consolidation ${range(ci.consolidation)}\n`,
          );
        }
      },
    );

  program
    .command('train-slices')
    .description('Trains a supervised slice model on labelled slices (seeded, deterministic) and writes it as JSON')
    .requiredOption('--images <dir>', 'slices (.dcm, .png, .jpg)')
    .requiredOption('--labels <dir>', 'label PNGs (as for eval-slices)')
    .requiredOption('--out <json>', 'model file to write')
    .option('--method <name>', 'mlp or context', 'mlp')
    .action(async (o: { images: string; labels: string; out: string; method: string }) => {
      if (o.method === 'unet')
        throw new CliError('unet is trained with PyTorch outside mic: bash training/unet/cv.sh (docs/lesions.md)', 2);
      if (!MODELS[o.method]) throw new CliError(`--method must be mlp or context, not '${o.method}'`, 2);
      const slices = await loadLabelled(o.images, o.labels);
      const model =
        o.method === 'mlp'
          ? trainPixelModel(slices)
          : trainContextOnFeatures(
              slices.map((s) => ({ ...s, features: sliceFeatures(s.hu, s.lungs, s.width, s.height, s.spacingMm) })),
            );
      try {
        writeFileSync(o.out, JSON.stringify(model) + '\n');
      } catch (err) {
        throw new CliError(`cannot write ${o.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      process.stdout.write(`${o.method} model from ${slices.length} slices written to ${o.out}\n`);
    });
}
