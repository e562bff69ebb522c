import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport, AnalysisResult } from '@mic/analysis';
import type { Config } from '@mic/config';
import { assembleSeries, readNifti } from '@mic/dicom';
import { createS3Client } from '@mic/storage';
import { axialMosaic, coronalView } from '../analysis/render.js';

/** What the worker stores as an analysis' result in the catalogue. */
export interface AnalysisSummary {
  report: AnalysisReport;
  /** file name -> object key */
  artifacts: Record<string, string>;
}

/** The study's results in a few lines: volumes, lesions, involvement, severity, typicality and its reasons. */
export function resultLines(rep: AnalysisReport): string[] {
  const t = rep.typicality;
  return [
    `lungs: right ${rep.lung.right.volumeMl} mL, left ${rep.lung.left.volumeMl} mL, total ${rep.lung.total.volumeMl} mL`,
    `ground-glass opacity ${rep.lesions.ggo.volumeMl} mL, consolidation ${rep.lesions.consolidation.volumeMl} mL` +
      ` (method ${rep.lesions.method})`,
    `involvement ${rep.involvement.percent} % (right ${rep.involvement.right.percent} %, left ` +
      `${rep.involvement.left.percent} %); PO ${rep.involvement.poPercent} %, PHO ${rep.involvement.phoPercent} %`,
    `severity: score ${rep.severity.total}/${rep.severity.max}, ${rep.severity.mosmed}`,
    `RSNA typicality: ${t.category}`,
    ...t.reasons.map((r) => `  - ${r}`),
    ...rep.warnings.map((w) => `warning: ${w}`),
  ];
}

async function objectBytes(config: Config, key: string): Promise<Buffer> {
  const s3 = createS3Client(config);
  const chunks: Buffer[] = [];
  for await (const c of await s3.getObject(config.s3.bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Downloads the analysis' artifacts to `out` and draws the axial mosaic and coronal view from the label maps over the
 * CT on disk (the worker makes no pictures). Returns the files written; a picture that cannot be drawn is a note.
 */
export async function downloadResults(
  config: Config,
  summary: AnalysisSummary,
  seriesFiles: string[],
  out: string,
): Promise<{ written: string[]; notes: string[] }> {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const notes: string[] = [];
  const bytes: Record<string, Buffer> = {};
  for (const [name, key] of Object.entries(summary.artifacts)) {
    bytes[name] = await objectBytes(config, key);
    writeFileSync(join(out, name), bytes[name]);
    written.push(name);
  }
  if (!bytes['lungs.nii.gz'] || !bytes['lesions.nii.gz']) return { written, notes: ['no label maps to draw'] };
  const lungs = readNifti(new Uint8Array(bytes['lungs.nii.gz'])) as AnalysisResult['lungs'];
  const lesions = readNifti(new Uint8Array(bytes['lesions.nii.gz'])) as AnalysisResult['lungs'];
  const inputs = seriesFiles.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
  const { series } = await assembleSeries(inputs);
  const ct = series.find((s) => s.volume.dims.every((d, i) => d === lungs.dims[i]));
  if (!ct) return { written, notes: ['pictures not drawn: no series on disk matches the label maps'] };
  const r: AnalysisResult = { lungs, lesions, report: summary.report };
  writeFileSync(join(out, 'axial.png'), axialMosaic(r, ct.volume.data));
  writeFileSync(join(out, 'coronal.png'), coronalView(r, ct.volume.data));
  written.push('axial.png', 'coronal.png');
  return { written, notes };
}
