// Reading numbers out of a report.json of any version: a missing or mistyped field gives null, never a throw.

/** The value at a dotted path, or undefined. */
export function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}
export const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** The numbers a list of studies shows, read from an analysis report (absent fields stay null). */
export interface Headline {
  category: string | null;
  involvementPercent: number | null;
  rightInvolvementPercent: number | null;
  leftInvolvementPercent: number | null;
  rightLungMl: number | null;
  leftLungMl: number | null;
  ggoMl: number | null;
  consolidationMl: number | null;
  severityTotal: number | null;
  severityMax: number | null;
  ctBand: string | null;
  reasons: string[];
}

export function headlineOf(report: unknown): Headline | null {
  if (!report || typeof report !== 'object') return null;
  const reasons = at(report, 'typicality.reasons');
  return {
    category: str(at(report, 'typicality.category')),
    involvementPercent: num(at(report, 'involvement.percent')),
    rightInvolvementPercent: num(at(report, 'involvement.right.percent')),
    leftInvolvementPercent: num(at(report, 'involvement.left.percent')),
    rightLungMl: num(at(report, 'lung.right.volumeMl')),
    leftLungMl: num(at(report, 'lung.left.volumeMl')),
    ggoMl: num(at(report, 'lesions.ggo.volumeMl')),
    consolidationMl: num(at(report, 'lesions.consolidation.volumeMl')),
    severityTotal: num(at(report, 'severity.total')),
    severityMax: num(at(report, 'severity.max')),
    ctBand: str(at(report, 'severity.mosmed')),
    reasons: Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === 'string') : [],
  };
}
