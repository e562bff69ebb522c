import { createHash } from 'node:crypto';
import type { AnalyzeOptions } from './pipeline.js';
import { LUNG_DEFAULTS } from './lungs/segment.js';
import { REFINE_DEFAULTS } from './refine.js';

export const ANALYSIS_VERSION = '1.0.0';

/** The engine's versions, and its digest (`engine`). */
export type EngineVersions = { analysis: string; lungSegmentation: string; lesions: string; engine: string };

/**
 * The engine's versions and, as `engine`, a digest of them with every parameter in effect (lung field, lesion
 * method, clean-up; defaults and what the caller set): two results with the same digest came from the same
 * algorithm run the same way, and changing any default changes it. Stamped into report.json, the SEG
 * and the SR, and listed by `mic models list`.
 */
export function engineVersions(lungVersion: string, o: Omit<AnalyzeOptions, 'onStage'>): EngineVersions {
  const versions = {
    analysis: ANALYSIS_VERSION,
    lungSegmentation: lungVersion,
    lesions: `${o.method.name} ${o.method.version}`,
  };
  const identity = {
    ...versions,
    lung: { ...LUNG_DEFAULTS, ...o.lungOptions },
    lesion: { ...o.method.defaults, ...o.lesionOptions },
    refine: o.refine === false ? false : { ...REFINE_DEFAULTS, ...o.refine },
  };
  return { ...versions, engine: `sha256:${createHash('sha256').update(stableJson(identity)).digest('hex')}` };
}

/** JSON with object keys sorted, so the digest does not depend on the order options were written in. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
