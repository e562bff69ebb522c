import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseContextModel, parsePixelModel, parseUnetModel, type SliceModel } from '@mic/analysis';
import { CliError } from '../errors.js';

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The shipped models of the supervised methods (trained on the 50 labelled slices, docs/lesions.md). */
export const MODELS: Record<string, { file: string; parse: (bytes: Uint8Array) => SliceModel }> = {
  unet: { file: 'slice-unet.json', parse: parseUnetModel },
  mlp: { file: 'slice-mlp.json', parse: parsePixelModel },
  context: { file: 'slice-context.json', parse: parseContextModel },
};

export const modelPath = (method: string) =>
  fileURLToPath(new URL(`../../../libs/analysis/models/${MODELS[method].file}`, import.meta.url));

/** The model of a supervised method (`path`, or the shipped one); undefined for the unsupervised methods. */
export function loadModel(method: string, path?: string): SliceModel | undefined {
  if (!MODELS[method]) return undefined;
  const file = path ?? modelPath(method);
  try {
    const bytes = readBytes(file);
    return MODELS[method].parse(bytes);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
}
