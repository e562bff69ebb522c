import type { Command } from 'commander';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { assembleSeries, flipAxis, writeNifti, type AssembleResult, type SeriesVolume } from '@mic/dicom';
import { CliError } from '../errors.js';
import { filesUnder } from '../files.js';

/** Every regular file under `path` (or the file itself, links followed), with names relative to it. */
async function readInputs(path: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const info = await stat(path).catch(() => {
    throw new CliError(`not found: ${path}`, 2);
  });
  if (info.isFile()) return [{ name: path, bytes: new Uint8Array(await readFile(path)) }];
  // One file at a time: a study folder can hold more files than the process may open at once.
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const p of filesUnder(path)) out.push({ name: relative(path, p), bytes: new Uint8Array(await readFile(p)) });
  return out;
}

/** Assembles the series under `path`; no usable image at all is a one-line failure naming the first reason. */
async function load(path: string): Promise<AssembleResult> {
  const inputs = await readInputs(path);
  if (inputs.length === 0) throw new CliError(`no files in ${path}`, 2);
  const result = await assembleSeries(inputs);
  if (result.series.length === 0) {
    const first = result.skipped[0];
    const more = result.skipped.length > 1 ? ` (and ${result.skipped.length - 1} more)` : '';
    throw new CliError(
      `no DICOM image in ${path}: ${first ? `${first.name}: ${first.reason}` : 'nothing readable'}${more}`,
      3,
    );
  }
  return result;
}

function huStats(data: ArrayLike<number>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: Math.round((sum / data.length) * 100) / 100 };
}

function summary(s: SeriesVolume) {
  const v = s.volume;
  return {
    studyInstanceUid: s.studyInstanceUid,
    seriesInstanceUid: s.seriesInstanceUid,
    frameOfReferenceUid: s.frameOfReferenceUid,
    modality: s.modality,
    seriesDescription: s.seriesDescription,
    dims: v.dims,
    spacing: v.spacing.map((x) => Math.round(x * 1e6) / 1e6),
    origin: v.origin,
    direction: v.direction,
    transferSyntaxUids: s.transferSyntaxUids,
    hu: huStats(v.data),
    paddedVoxels: s.padded,
    warnings: s.warnings,
  };
}

async function info(path: string, opts: { json?: boolean }): Promise<void> {
  const result = await load(path);
  const series = result.series.map(summary);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ series, skipped: result.skipped }, null, 2)}\n`);
    return;
  }
  for (const s of series) {
    const lines = [
      `series ${s.seriesInstanceUid || '(none)'} ${s.modality} "${s.seriesDescription}"`,
      `  study ${s.studyInstanceUid || '(none)'}, frame of reference ${s.frameOfReferenceUid || '(none)'}`,
      `  ${s.dims.join('x')} voxels, spacing ${s.spacing.join(' x ')} mm, transfer syntax ${s.transferSyntaxUids.join(', ')}`,
      `  HU min ${s.hu.min}, max ${s.hu.max}, mean ${s.hu.mean}`,
      ...s.warnings.map((w) => `  warning: ${w}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  for (const k of result.skipped) process.stdout.write(`skipped ${k.name}: ${k.reason}\n`);
}

async function toNifti(dir: string, out: string, opts: { series?: string }): Promise<void> {
  const result = await load(dir);
  const matches = opts.series ? result.series.filter((s) => s.seriesInstanceUid === opts.series) : result.series;
  if (matches.length === 0) throw new CliError(`no series ${opts.series} in ${dir}`, 3);
  if (matches.length > 1)
    throw new CliError(`${matches.length} series in ${dir}; pick one with --series (see mic dicom info)`, 2);
  const s = matches[0];
  // Rows stored bottom-up, as dcm2niix writes them; the affine says the same world positions either way.
  const bytes = writeNifti(flipAxis(s.volume, 1), { gzip: out.endsWith('.gz'), description: s.modality });
  await writeFile(out, bytes);
  process.stdout.write(
    `wrote ${out}: ${s.volume.dims.join('x')} ${s.volume.data.constructor.name === 'Int16Array' ? 'int16' : 'float32'} HU\n`,
  );
  for (const w of s.warnings) process.stderr.write(`mic: warning: ${w}\n`);
}

// `mic dicom info|to-nifti` (reading DICOM; de-identification is `mic deid`).
export function registerDicom(program: Command): void {
  const dicom = program.command('dicom').description('read DICOM: series summaries and conversion to NIfTI');
  dicom
    .command('info <path>')
    .description('per series: UIDs, modality, size, spacing, transfer syntax, HU range and warnings')
    .option('--json', 'print JSON')
    .action(info);
  dicom
    .command('to-nifti <series-dir> <out>')
    .description('assemble a series and write it as NIfTI-1 (.nii or .nii.gz), HU, RAS affine')
    .option('--series <uid>', 'SeriesInstanceUID, when the folder holds several series')
    .action(toNifti);
}
