import type { Dataset } from './parse.js';

/** The first item of a naturalized sequence, if any. */
export function item(ds: Dataset | undefined, keyword: string): Dataset | undefined {
  const v = ds?.[keyword];
  if (Array.isArray(v)) return v[0] as Dataset | undefined;
  return v && typeof v === 'object' ? (v as Dataset) : undefined;
}

/** A numeric value (first of a multi-value), or undefined when absent or not a number. */
export function num(ds: Dataset | undefined, keyword: string): number | undefined {
  let v = ds?.[keyword];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : undefined;
}

/** All numeric values of a multi-valued element; undefined unless exactly `count` finite numbers. */
export function nums(ds: Dataset | undefined, keyword: string, count: number): number[] | undefined {
  let v = ds?.[keyword];
  if (typeof v === 'string') v = v.split('\\');
  if (!Array.isArray(v) || v.length !== count) return undefined;
  const out = v.map((x) => (typeof x === 'number' ? x : Number(String(x).trim())));
  return out.every(Number.isFinite) ? out : undefined;
}

/** A string value (multi-values joined with "\\"), trimmed; '' when absent. */
export function str(ds: Dataset | undefined, keyword: string): string {
  const v = ds?.[keyword];
  if (v === undefined || v === null) return '';
  if (Array.isArray(v))
    return v
      .map((x) => (typeof x === 'object' ? '' : String(x)))
      .join('\\')
      .trim();
  if (typeof v === 'object') {
    const alphabetic = (v as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' ? alphabetic.trim() : '';
  }
  return String(v).trim();
}
