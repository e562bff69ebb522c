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

function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

export function headline(report: unknown): Headline | null {
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

/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula (= + - @, tab, CR first) is prefixed
 * with a quote: descriptions come from hospitals, and an export must not carry formulas into a researcher's sheet.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
