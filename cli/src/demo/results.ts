import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport } from '@mic/analysis';
import type { Config } from '@mic/config';
import { createS3Client } from '@mic/storage';

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

/** Downloads the analysis' artifacts (report, label maps, SEG/SR, the worker's pictures) to `out`. */
export async function downloadResults(
  config: Config,
  summary: AnalysisSummary,
  out: string,
): Promise<{ written: string[]; notes: string[] }> {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  for (const [name, key] of Object.entries(summary.artifacts)) {
    writeFileSync(join(out, name), await objectBytes(config, key));
    written.push(name);
  }
  const missing = ['axial.png', 'coronal.png'].filter((n) => !written.includes(n));
  return { written, notes: missing.length ? [`no ${missing.join(' or ')} among the artifacts`] : [] };
}
