import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, whatever folder a test file lives in. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared real-data folder (`../shared/data` beside the checkout), or MIC_DATA_DIR. */
export const dataRoot = process.env.MIC_DATA_DIR ?? resolve(repoRoot, '..', 'shared', 'data');

/**
 * Path to a shared data file; throws with a loud reason when it is missing, so a test never passes on absent data.
 */
export function dataPath(...parts: string[]): string {
  const p = join(dataRoot, ...parts);
  if (!existsSync(p))
    throw new Error(`shared test data missing: ${p} (set MIC_DATA_DIR or place ../shared/data beside the checkout)`);
  return p;
}
