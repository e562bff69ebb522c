import { asciiValue, type Element } from './elements.js';

// Attributes whose values, if echoed in a free-text descriptor, identify the patient or the visit.
const IDENTIFYING = new Set([
  0x00100020, 0x00101000, 0x00080050, 0x00100021, 0x00080080, 0x00101040, 0x00100030, 0x00200010, 0x00380010,
  0x00401001, 0x00400009, 0x00400253, 0x00102154, 0x00080081,
]);

/** Words and numbers from names and identifiers anywhere in the dataset, to scrub from descriptors. */
export function collectIdentifiers(elements: Element[], out: Set<string> = new Set()): string[] {
  for (const el of elements) {
    if (el.items) for (const item of el.items) collectIdentifiers(item, out);
    else if (el.vr === 'PN' || IDENTIFYING.has(el.tag)) {
      const text = asciiValue(el) ?? '';
      for (const part of text.split(/[\\^=\s,]+/)) if (part.length >= 3 && /^[\x20-\x7e]+$/.test(part)) out.add(part);
      if (text.length >= 3 && /^[\x20-\x7e]+$/.test(text)) out.add(text);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Clean Descriptors option: keeps the descriptor but removes identifying values found elsewhere in the object,
 * dates and long digit runs (record numbers, phone numbers).
 */
export function cleanDescriptor(text: string, identifiers: string[]): string {
  let out = text;
  for (const id of identifiers) out = out.replace(new RegExp(escape(id), 'gi'), '');
  out = out
    .replace(/\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b/g, '')
    .replace(/\d{5,}/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  return out;
}
