import {
  asciiValue,
  DicomFormatError,
  makeElement,
  parseFile,
  textValue,
  writeFile,
  type Element,
} from './elements.js';
import { capAge, dateShiftDays, pseudonymPatientId, pseudonymUid, shiftDate, shiftDateTime } from './keyed.js';
import { PROFILE } from './profile.js';
import { decodeText, isPlainAscii } from './text.js';
import { burnedInReason } from './burned-in.js';
import { cleanDescriptor, collectIdentifiers } from './clean.js';

export type DeidOption = 'retain-dates-shifted' | 'retain-patient-characteristics' | 'clean-descriptors';
export const DEID_OPTIONS: readonly DeidOption[] = [
  'retain-dates-shifted',
  'retain-patient-characteristics',
  'clean-descriptors',
];

/** A private element to keep: its group, the private creator of its block, and its element byte (0x00-0xFF). */
export interface PrivateTagRule {
  group: number;
  creator: string;
  element: number;
}

export interface DeidOptions {
  /** Secret key: the same key gives the same pseudonyms, UIDs and date shift for a patient across files. */
  key: string;
  options?: readonly DeidOption[];
  /** De-identify objects likely to carry burned-in text (secondary capture, dose screens) instead of rejecting. */
  allowBurnedIn?: boolean;
  keepPrivate?: readonly PrivateTagRule[];
}

export interface PatientMapping {
  patientId: string;
  patientName: string;
  issuer: string;
  dateOffsetDays: number | null;
}

/** What the caller keeps to re-identify: never store it with the de-identified data. */
export interface DeidMapping {
  /** pseudonym patient id -> original identity */
  patients: Record<string, PatientMapping>;
  /** new UID -> original UID */
  uids: Record<string, string>;
  /** Days every date was moved back by (null when dates were removed rather than shifted). */
  dateOffsetDays: number | null;
}

export interface DeidResult {
  bytes: Uint8Array;
  mapping: DeidMapping;
  pseudonym: string;
}

/** A file that was not de-identified: `kind` says whether it was refused by policy or could not be read. */
export class DeidError extends Error {
  constructor(
    message: string,
    readonly kind: 'rejected' | 'malformed',
  ) {
    super(message);
    this.name = 'DeidError';
  }
}

const IMPLEMENTATION_CLASS_UID = '2.25.211443665772635168349658258674567993446';
const IMPLEMENTATION_VERSION = 'MIC_DEID_1';

// UI attributes that hold registry values (classes, syntaxes, coding schemes), never instance identities.
const REGISTRY_UI_TAGS = new Set([
  0x00020002, 0x00020010, 0x00020012, 0x00020100, 0x00041510, 0x00041512, 0x0004151a, 0x00080016, 0x0008001a,
  0x0008001b, 0x0008010c, 0x0008010d, 0x00080117, 0x00080118, 0x00081150, 0x0008114a, 0x00081152, 0x0008115a,
  0x00083002, 0x00189938, 0x0040a128, 0x0040db0c, 0x0040db0d,
]);
const REGISTRY_ROOTS = ['1.2.840.10008.', '2.16.840.1.113883.'];
const ALWAYS_REMOVE = new Set([0x00400275, 0x00101002, 0x04000561, 0x00101000, 0x00101001]);

const METHOD_CODES: Record<string, [string, string]> = {
  basic: ['113100', 'Basic Application Confidentiality Profile'],
  'retain-dates-shifted': ['113107', 'Retain Longitudinal Temporal Information Modified Dates Option'],
  'retain-patient-characteristics': ['113108', 'Retain Patient Characteristics Option'],
  'clean-descriptors': ['113105', 'Clean Descriptors Option'],
};

interface Context {
  key: string;
  dates: boolean;
  patient: boolean;
  clean: boolean;
  shiftDays: number;
  identifiers: string[];
  keepPrivate: readonly PrivateTagRule[];
  uids: Record<string, string>;
}

function isRegistryUid(uid: string): boolean {
  return REGISTRY_ROOTS.some((root) => uid.startsWith(root));
}

function replaceUids(el: Element, ctx: Context): Element {
  const values = (asciiValue(el) ?? '').split('\\').map((v) => v.replace(/\0/g, '').trim());
  const out = values.map((uid) => {
    if (uid === '' || isRegistryUid(uid)) return uid;
    const next = pseudonymUid(ctx.key, uid);
    ctx.uids[next] = uid;
    return next;
  });
  return { ...el, value: textValue(out.join('\\')) };
}

function shiftValue(el: Element, ctx: Context): Element | undefined {
  if (el.vr !== 'DA' && el.vr !== 'DT') return el;
  const values = (asciiValue(el) ?? '').split('\\').map((v) => v.trim());
  const shifted = values.map((v) =>
    v === '' ? '' : el.vr === 'DA' ? shiftDate(v.replace(/\./g, ''), ctx.shiftDays) : shiftDateTime(v, ctx.shiftDays),
  );
  // A value that is not a plain date (a range, a malformed date) cannot be shifted safely: empty it.
  if (shifted.some((v) => v === undefined)) return { ...el, value: new Uint8Array(0) };
  return { ...el, value: textValue(shifted.join('\\')) };
}

const DUMMY: Record<string, string> = {
  DA: '19000101',
  TM: '000000',
  DT: '19000101000000',
  AS: '000Y',
  DS: '0',
  IS: '0',
};

function dummy(el: Element): Element {
  if (DUMMY[el.vr]) return { ...el, value: textValue(DUMMY[el.vr]) };
  if (el.vr === 'PN') return { ...el, value: textValue('ANONYMIZED^') };
  if (['LO', 'SH', 'CS', 'LT', 'ST', 'UT', 'UC', 'AE'].includes(el.vr))
    return { ...el, value: textValue('ANONYMIZED') };
  return { ...el, value: new Uint8Array(0) };
}

function empty(el: Element): Element {
  return el.items ? { tag: el.tag, vr: 'SQ', items: [] } : { tag: el.tag, vr: el.vr, value: new Uint8Array(0) };
}

function cleaned(el: Element, ctx: Context): Element {
  if (el.items) return recurse(el, ctx);
  if (!el.value || !isPlainAscii(el.value)) return empty(el);
  return { ...el, value: textValue(cleanDescriptor(Buffer.from(el.value).toString('latin1'), ctx.identifiers)) };
}

function recurse(el: Element, ctx: Context): Element {
  return { ...el, items: el.items?.map((item) => cleanDataset(item, ctx)) };
}

function resolveBasic(action: string): string {
  // Where the standard offers a choice, take the least destructive one that keeps IOD conformance.
  return { 'X/Z': 'Z', 'X/D': 'X', 'Z/D': 'D', 'X/Z/D': 'Z', 'X/Z/U*': 'U*' }[action] ?? action;
}

function applyRow(el: Element, ctx: Context): Element | undefined {
  const row = PROFILE.get(el.tag);
  if (!row) return applyByVr(el, ctx);
  if (ctx.dates && row.dates) return shiftValue(el, ctx);
  if (ctx.patient && row.patient === 'K') return el.vr === 'AS' ? capAgeElement(el) : el;
  if ((ctx.patient && row.patient === 'C') || (ctx.clean && row.clean)) return cleaned(el, ctx);
  switch (resolveBasic(row.basic)) {
    case 'K':
      return el.items ? recurse(el, ctx) : el;
    case 'X':
      return undefined;
    case 'Z':
      return empty(el);
    case 'D':
      if (el.items) return recurse(el, ctx);
      return el.vr === 'UI' ? replaceUids(el, ctx) : dummy(el);
    case 'U':
      return el.items ? recurse(el, ctx) : replaceUids(el, ctx);
    case 'U*':
      return el.items ? recurse(el, ctx) : undefined;
    default:
      return undefined;
  }
}

function capAgeElement(el: Element): Element | undefined {
  const age = capAge(asciiValue(el) ?? '');
  return age === undefined ? empty(el) : { ...el, value: textValue(age) };
}

/** Attributes the table does not list: identities hide in UIDs, dates and person names whatever the tag. */
function applyByVr(el: Element, ctx: Context): Element | undefined {
  if (el.items) return recurse(el, ctx);
  switch (el.vr) {
    case 'UI':
      return REGISTRY_UI_TAGS.has(el.tag) ? el : replaceUids(el, ctx);
    case 'DA':
    case 'DT':
      return ctx.dates ? shiftValue(el, ctx) : undefined;
    case 'PN':
      return empty(el);
    case 'AS':
      return capAgeElement(el);
    default:
      return el;
  }
}

function privateCreators(elements: Element[]): Map<string, string> {
  const creators = new Map<string, string>();
  for (const el of elements) {
    const group = el.tag >>> 16;
    const elem = el.tag & 0xffff;
    if (group % 2 === 1 && elem >= 0x10 && elem <= 0xff)
      creators.set(`${group}:${elem}`, (asciiValue(el) ?? '').trim());
  }
  return creators;
}

function keptPrivate(elements: Element[], ctx: Context): Set<number> {
  const kept = new Set<number>();
  if (ctx.keepPrivate.length === 0) return kept;
  const creators = privateCreators(elements);
  for (const el of elements) {
    const group = el.tag >>> 16;
    const elem = el.tag & 0xffff;
    if (group % 2 === 0 || elem < 0x1000) continue;
    const creator = creators.get(`${group}:${elem >> 8}`);
    const ok = ctx.keepPrivate.some((r) => r.group === group && r.creator === creator && r.element === (elem & 0xff));
    if (ok) {
      kept.add(el.tag);
      kept.add(((group << 16) | (elem >> 8)) >>> 0);
    }
  }
  return kept;
}

function cleanDataset(elements: Element[], ctx: Context): Element[] {
  const keep = keptPrivate(elements, ctx);
  const out: Element[] = [];
  for (const el of elements) {
    const group = el.tag >>> 16;
    if ((el.tag & 0xffff) === 0 || group === 0x0002) continue;
    if (group % 2 === 1) {
      if (keep.has(el.tag)) out.push(el);
      continue;
    }
    if ((group >= 0x6000 && group <= 0x60ff) || (group >= 0x5000 && group <= 0x50ff)) continue;
    if (ALWAYS_REMOVE.has(el.tag)) continue;
    const next = applyRow(el, ctx);
    if (next) out.push(next);
  }
  return out;
}

function find(elements: Element[], tag: number): Element | undefined {
  return elements.find((e) => e.tag === tag);
}

function codeItem(value: string, meaning: string): Element[] {
  return [
    makeElement(0x00080100, 'SH', value),
    makeElement(0x00080102, 'SH', 'DCM'),
    makeElement(0x00080104, 'LO', meaning),
  ];
}

function setElement(elements: Element[], el: Element): void {
  const i = elements.findIndex((e) => e.tag === el.tag);
  if (i >= 0) elements[i] = el;
  else elements.push(el);
}

/**
 * De-identifies one DICOM file (PS3.15 Annex E Basic Profile and the chosen options). Throws DeidError when the
 * object is refused (likely burned-in text) or cannot be read.
 */
export function deidentify(input: Uint8Array, opts: DeidOptions): DeidResult {
  if (!opts.key) throw new DeidError('a de-identification key is required', 'rejected');
  let parsed;
  try {
    parsed = parseFile(input);
  } catch (err) {
    if (err instanceof DicomFormatError) throw new DeidError(`malformed DICOM: ${err.message}`, 'malformed');
    throw new DeidError(`malformed DICOM: ${(err as Error).message}`, 'malformed');
  }
  const { dataset, meta } = parsed;
  const sopClass = asciiValue(find(dataset, 0x00080016)) || asciiValue(find(meta, 0x00020002));
  if (!sopClass) throw new DeidError('malformed DICOM: no SOP Class UID', 'malformed');
  if (!opts.allowBurnedIn) {
    const reason = burnedInReason(dataset, sopClass);
    if (reason) throw new DeidError(`rejected: ${reason}`, 'rejected');
  }

  const options = new Set(opts.options ?? []);
  const charsets = (asciiValue(find(dataset, 0x00080005)) ?? '').split('\\');
  const rawId = find(dataset, 0x00100020)?.value ?? new Uint8Array(0);
  const patientId = decodeText(rawId, charsets);
  const issuer = decodeText(find(dataset, 0x00100021)?.value ?? new Uint8Array(0), charsets);
  const patientName = decodeText(find(dataset, 0x00100010)?.value ?? new Uint8Array(0), charsets);
  const pseudonym = pseudonymPatientId(opts.key, patientId, issuer);
  const dates = options.has('retain-dates-shifted');
  const ctx: Context = {
    key: opts.key,
    dates,
    patient: options.has('retain-patient-characteristics'),
    clean: options.has('clean-descriptors'),
    shiftDays: dateShiftDays(opts.key, pseudonym),
    identifiers: collectIdentifiers(dataset),
    keepPrivate: opts.keepPrivate ?? [],
    uids: {},
  };

  const out = cleanDataset(dataset, ctx);
  setElement(out, makeElement(0x00100010, 'PN', `${pseudonym}^`));
  setElement(out, makeElement(0x00100020, 'LO', pseudonym));
  setElement(out, makeElement(0x00120062, 'CS', 'YES'));
  const methods = ['basic', ...DEID_OPTIONS.filter((o) => options.has(o))];
  setElement(
    out,
    makeElement(0x00120063, 'LO', methods.map((m) => `PS3.15 ${METHOD_CODES[m][1]}`.slice(0, 64)).join('\\')),
  );
  setElement(out, { tag: 0x00120064, vr: 'SQ', items: methods.map((m) => codeItem(...METHOD_CODES[m])) });
  setElement(out, makeElement(0x00280303, 'CS', dates ? 'MODIFIED' : 'REMOVED'));

  const sopInstance =
    asciiValue(find(out, 0x00080018)) || pseudonymUid(opts.key, asciiValue(find(meta, 0x00020003)) || pseudonym);
  const newMeta: Element[] = [
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
    makeElement(0x00020002, 'UI', sopClass),
    makeElement(0x00020003, 'UI', sopInstance),
    makeElement(0x00020010, 'UI', parsed.transferSyntax),
    makeElement(0x00020012, 'UI', IMPLEMENTATION_CLASS_UID),
    makeElement(0x00020013, 'SH', IMPLEMENTATION_VERSION),
  ];
  const dateOffsetDays = dates ? ctx.shiftDays : null;
  return {
    bytes: writeFile(newMeta, out, parsed.transferSyntax),
    pseudonym,
    mapping: {
      patients: { [pseudonym]: { patientId, patientName, issuer, dateOffsetDays } },
      uids: ctx.uids,
      dateOffsetDays,
    },
  };
}
