import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { engineVersions, huBandMethod, kmeansMethod, LUNG_SEGMENTATION_VERSION } from '@mic/analysis';
import { MODELS, modelPath, readBytes } from '../analysis/slice-models.js';

/** Training facts a model file carries, when it does. */
const FACTS = ['trainedOn', 'epochs', 'seed', 'widths', 'sliceDice', 'gridMm'];

/**
 * What produces mic's results: the 3D engines (their versions and the digest stamped into every report, SEG and SR)
 * and the shipped slice models (file digest, format, training facts). The answer to "which model made this result?".
 */
export function modelRegistry() {
  const engines = [huBandMethod, kmeansMethod].map((method) => ({
    name: `analysis (${method.name})`,
    ...engineVersions(LUNG_SEGMENTATION_VERSION, { method }),
  }));
  const slices = Object.entries(MODELS).map(([method, m]) => {
    const bytes = readBytes(modelPath(method));
    const model = m.parse(bytes) as unknown as Record<string, unknown>;
    const facts = Object.fromEntries(FACTS.filter((k) => k in model).map((k) => [k, model[k]]));
    return {
      method,
      file: `libs/analysis/models/${m.file}`,
      format: `${String(model.format)} ${String(model.version)}`,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      ...facts,
    };
  });
  return { engines, sliceModels: slices };
}

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('the analysis engines and shipped models, with the digests stamped into results')
    .command('list')
    .option('--json', 'JSON output')
    .action((opts: { json?: boolean }) => {
      const r = modelRegistry();
      if (opts.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const lines = [
        'engines (mic analyze, the worker): report.json versions.engine, SEG/SR algorithm parameters',
        ...r.engines.map((e) => `  ${e.name}: ${e.analysis} / ${e.lungSegmentation} / ${e.lesions}  ${e.engine}`),
        'slice models (mic segment-slice, eval-slices):',
        ...r.sliceModels.map((m) => `  ${m.method}: ${m.file} (${m.format}, ${m.bytes} bytes) sha256:${m.sha256}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
