import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import {
  analyzeVolume,
  analyzeVolumeWith,
  huBandMethod,
  kmeansMethod,
  lobarSeverity,
  notAnalysableReason,
  LOBE_LABELS,
  type LobarSeverity,
  type Reading,
  compareReadings,
  comparisonText,
  readingOf,
  type AnalysisResult,
  type LesionMethod,
  axialMosaic,
  coronalView,
} from '@mic/analysis';
import { assembleSeries, chooseSeries, inputNotes, readNifti, writeNifti, type SeriesVolume } from '@mic/dicom';
import { resliceNearest, type Volume } from '@mic/imaging';
import { dicomOutputs } from '../analysis/dicom-out.js';
import { Pool, threadCount } from '../analysis/pool.js';
import { CliError } from '../errors.js';
import { filesUnder } from '../files.js';
import { readReport } from './compare.js';

type Prior = { reading: Reading; days: number | null };

const METHODS: Record<string, LesionMethod> = { hu: huBandMethod, kmeans: kmeansMethod };
/** Methods that work slice by slice, so slabs give the same map as the whole volume. */
const SLICEWISE = new Set(['hu']);

type HuInput = Parameters<typeof analyzeVolume>[0];

/** A bar on stderr when it is a terminal; nothing otherwise (logs stay clean). */
function progress(label: string): (stage: string, i: number, n: number) => void {
  if (!process.stderr.isTTY) return () => {};
  return (stage, i, n) => {
    const width = 24;
    const done = Math.round((width * i) / n);
    process.stderr.write(`\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${stage.padEnd(12)}`);
    if (i === n) process.stderr.write('\n');
  };
}

async function loadInput(
  input: string,
  pool: Pool | null,
): Promise<{ hu: HuInput; series?: SeriesVolume; notes?: string[] }> {
  let st;
  try {
    st = statSync(input);
  } catch {
    throw new CliError(`input not found: ${input}`);
  }
  if (st.isFile() && /\.nii(\.gz)?$/i.test(input)) {
    let v;
    try {
      v = readNifti(new Uint8Array(readFileSync(input)));
    } catch (err) {
      throw new CliError(`cannot read NIfTI ${input}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const hu = v.data instanceof Int16Array || v.data instanceof Float32Array ? v.data : Float32Array.from(v.data);
    return { hu: { ...v, data: hu } };
  }
  // One file is a DICOM object holding a whole series (enhanced multi-frame CT); else a folder of them. Names are
  // relative to the folder: they reach the report, which should not carry this machine's paths.
  const files = st.isFile() ? [input] : filesUnder(input);
  const name = (f: string) => (st.isFile() ? basename(f) : relative(input, f));
  const inputs = files.map((f) => ({ name: name(f), bytes: new Uint8Array(readFileSync(f)) }));
  const all = await assembleSeries(inputs, pool ? { decode: (f) => pool.decode(f) } : {});
  if (all.series.length === 0) {
    const why = all.skipped[0] ? `: ${all.skipped[0].name}: ${all.skipped[0].reason}` : '';
    throw new CliError(`no DICOM image series in ${input}${why}`);
  }
  const s = chooseSeries(all.series);
  if (s.volume.dims[2] < 1) throw new CliError(`series in ${input} has no slices`);
  return { hu: s.volume, series: s, notes: inputNotes(s, all) };
}

/** Picture sizes: full, or small enough for documentation pages (--docs). */
const PICTURES = { full: { slices: 12, tile: 256, coronal: 512 }, docs: { slices: 8, tile: 128, coronal: 400 } };

function writeOutputs(
  out: string,
  r: AnalysisResult,
  hu: HuInput,
  series: SeriesVolume | undefined,
  size: keyof typeof PICTURES,
  changeSincePrior?: string,
): string[] {
  mkdirSync(out, { recursive: true });
  const pic = PICTURES[size];
  const written: [string, Uint8Array | Buffer | string][] = [
    ['lungs.nii.gz', writeNifti(r.lungs)],
    ['lesions.nii.gz', writeNifti(r.lesions)],
    ['axial.png', axialMosaic(r, hu.data, pic.slices, pic.tile)],
    ['coronal.png', coronalView(r, hu.data, pic.coronal)],
  ];
  if (series) {
    try {
      const { seg, sr } = dicomOutputs(series, r, changeSincePrior);
      written.push(['seg.dcm', seg], ['sr.dcm', sr]);
    } catch (err) {
      r.report.warnings.push(`seg.dcm and sr.dcm not written: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const [name, bytes] of written) writeFileSync(join(out, name), bytes);
  return written.map(([n]) => n);
}

interface AnalyzeOpts {
  out: string;
  method: string;
  threads: string;
  docs?: boolean;
  lobes?: string;
  lobeLabels: string;
  prior?: string;
  priorDays?: string;
}

/** The patient's CT before, when given: its reading and the days between (null when not said). */
function priorOf(opts: AnalyzeOpts): Prior | undefined {
  if (opts.priorDays !== undefined && !opts.prior) throw new CliError('--prior-days needs --prior');
  if (!opts.prior) return undefined;
  const days = opts.priorDays === undefined ? null : Number(opts.priorDays);
  if (days !== null && !(Number.isInteger(days) && days >= 0))
    throw new CliError(`--prior-days must be a whole number of days, not ${opts.priorDays}`);
  return { reading: readReport(opts.prior), days };
}

function readLobes(path: string): Volume {
  try {
    return readNifti(new Uint8Array(readFileSync(path)));
  } catch (err) {
    throw new CliError(`cannot read lobe map ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function lobarOf(map: Volume, lesions: Volume<Uint8Array>, scheme: string): LobarSeverity {
  if (map.data instanceof Float32Array) throw new CliError('lobe map must hold integer labels');
  const onGrid = resliceNearest(map as Volume<Uint8Array>, lesions);
  const lobar = lobarSeverity(onGrid, lesions, scheme);
  if (lobar.lobes.every((l) => l.volumeMl === 0))
    throw new CliError(`lobe map has no ${scheme} lobe labels over this CT (wrong --lobe-labels or another scan?)`);
  return lobar;
}

/**
 * Threads pay only where the main thread keeps a core of its own: on 2 cores two threads made RICORD slower (10.3 s
 * against 8.9 s) and 0.5 GB heavier (docs/benchmarks.md), so none there.
 */
function defaultThreads(): number {
  const cores = availableParallelism();
  return cores > 2 ? Math.min(4, cores - 1) : 0;
}

// `mic analyze` (analysis engine). `segment-slice` and `eval-slices` live in slices.ts.
export function registerAnalysis(program: Command): void {
  program
    .command('analyze')
    .description('lung segmentation, GGO/consolidation partition, severity and RSNA typicality of a chest CT')
    .argument('<input>', 'DICOM series folder, one multi-frame DICOM file, or a .nii/.nii.gz volume (HU)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--method <name>', 'lesion partition: hu | kmeans', 'hu')
    .option(
      '--threads <n>',
      'worker threads for decoding and lesions (0: none; default 0 on 2 cores or fewer, else the spare cores, 4 at most)',
      String(defaultThreads()),
    )
    .option('--lobes <nii>', 'lobe label map of the same CT (e.g. TotalSegmentator): adds the 25-point lobar score')
    .option('--lobe-labels <scheme>', `lobe label values: ${Object.keys(LOBE_LABELS).join(' | ')}`, 'totalseg-v2')
    .option('--docs', 'small pictures (8-slice mosaic of 128 px tiles, 400 px coronal) for documentation pages')
    .option(
      '--prior <report>',
      "report.json (or output folder) of the patient's CT before: the change goes into the SR",
    )
    .option('--prior-days <n>', 'days between that CT and this one')
    .action(async (input: string, opts: AnalyzeOpts) => {
      const method = METHODS[opts.method];
      if (!method) throw new CliError(`unknown --method ${opts.method} (use hu or kmeans)`);
      if (!LOBE_LABELS[opts.lobeLabels])
        throw new CliError(`unknown --lobe-labels ${opts.lobeLabels} (use ${Object.keys(LOBE_LABELS).join(', ')})`);
      const lobes = opts.lobes ? readLobes(opts.lobes) : undefined;
      const prior = priorOf(opts);
      const pool = Pool.open(threadCount(opts.threads));
      try {
        await analyze(
          input,
          opts.out,
          method,
          pool,
          opts.docs ? 'docs' : 'full',
          lobes && { map: lobes, scheme: opts.lobeLabels },
          prior,
        );
      } finally {
        await pool?.close();
      }
    });
}

async function analyze(
  input: string,
  out: string,
  method: LesionMethod,
  pool: Pool | null,
  pictures: keyof typeof PICTURES,
  lobes?: { map: Volume; scheme: string },
  prior?: Prior,
): Promise<void> {
  const t0 = performance.now();
  const { hu, series, notes = [] } = await loadInput(input, pool);
  // Said before the work and kept in the report: what was analysed, and what is wrong with it.
  for (const n of notes) process.stderr.write(`warning: ${n}\n`);
  const readMs = Math.round(performance.now() - t0);
  const bar = progress('analyze');
  const o = { method, onStage: bar };
  const r =
    pool && SLICEWISE.has(method.name)
      ? await analyzeVolumeWith(hu, o, (h, lungs) => pool.lesions(method.name, h, lungs))
      : analyzeVolume(hu, o);
  bar('done', 1, 1);
  const refused = notAnalysableReason(r);
  if (refused) throw new CliError(`${input}: ${refused}; nothing written`, 3);
  r.report.warnings.unshift(...notes);
  if (lobes) r.report.severity.lobar = lobarOf(lobes.map, r.lesions, lobes.scheme);
  const t1 = performance.now();
  const comparison = prior && compareReadings(prior.reading, readingOf(r.report)!, prior.days);
  const files = writeOutputs(out, r, hu, series, pictures, comparison && comparisonText(comparison));
  if (comparison) {
    writeFileSync(join(out, 'comparison.json'), JSON.stringify(comparison, null, 2) + '\n');
    files.push('comparison.json');
  }
  r.report.timingsMs = { read: readMs, ...r.report.timingsMs, write: Math.round(performance.now() - t1) };
  r.report.timingsMs.total = Math.round(performance.now() - t0);
  writeFileSync(join(out, 'report.json'), JSON.stringify(r.report, null, 2) + '\n');
  for (const w of r.report.warnings) if (!notes.includes(w)) process.stderr.write(`warning: ${w}\n`);
  const rep = r.report;
  process.stdout.write(
    `lungs R ${rep.lung.right.volumeMl} mL, L ${rep.lung.left.volumeMl} mL; GGO ${rep.lesions.ggo.volumeMl} mL, ` +
      `consolidation ${rep.lesions.consolidation.volumeMl} mL; involvement ${rep.involvement.percent} %; ` +
      `${rep.severity.mosmed}; ${rep.typicality.category}` +
      (rep.severity.lobar ? `; lobar score ${rep.severity.lobar.total}/25` : '') +
      '\n' +
      (comparison ? `${comparisonText(comparison)}\n` : '') +
      `wrote ${['report.json', ...files].join(', ')} to ${out}\n`,
  );
}
