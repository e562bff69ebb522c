import type { LobarSeverity } from './lobes.js';
import type { Quantification } from './quantify.js';

/** Involvement below this is "no pneumonia": 98 of 100 healthy controls had PO < 1 % (Chaganti et al. 2020). */
export const NEGLIGIBLE_PERCENT = 1;

export interface Severity {
  scheme: string;
  zoneScores: Record<string, number>;
  total: number;
  max: number;
  /** MosMedData band by total involvement: CT-0 none, CT-1 < 25 %, CT-2 25-50 %, CT-3 50-75 %, CT-4 >= 75 %. */
  mosmed: 'CT-0' | 'CT-1' | 'CT-2' | 'CT-3' | 'CT-4';
  /** The 25-point lobar score, when a lobe label map came with the input (`mic analyze --lobes`). */
  lobar?: LobarSeverity;
}

export function mosmedBand(percent: number): Severity['mosmed'] {
  if (percent < NEGLIGIBLE_PERCENT) return 'CT-0';
  if (percent < 25) return 'CT-1';
  if (percent < 50) return 'CT-2';
  if (percent < 75) return 'CT-3';
  return 'CT-4';
}

/** 6-zone severity in the style of the 25-point lobar score (each zone 0-5, total 0-30). */
export function severityOf(q: Quantification): Severity {
  const zoneScores: Record<string, number> = {};
  for (const z of q.zones) zoneScores[z.name] = z.score;
  return {
    scheme: '6 zones (lung thirds) x 0-5, in the style of the 25-point lobar CT severity score',
    zoneScores,
    total: q.zones.reduce((s, z) => s + z.score, 0),
    max: 5 * q.zones.length,
    mosmed: mosmedBand(q.total.involvementPercent),
  };
}
