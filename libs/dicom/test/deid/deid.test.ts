import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import dcmjs from 'dcmjs';
import { deidentify, DeidError, pseudonymUid, type DeidOption } from '../../src/deid/index.js';
import { asciiValue, parseFile, type Element } from '../../src/deid/elements.js';
import { PROFILE } from '../../src/deid/profile.js';
import { shiftDate } from '../../src/deid/keyed.js';
import { dataPath } from '../../../../test/support/data.js';
import { buildAnnexEFile, JIS_MAKER } from './annex-e-file.js';

const ALL: DeidOption[] = ['retain-dates-shifted', 'retain-patient-characteristics', 'clean-descriptors'];
const KEEP_PRIVATE = [{ group: 0x0019, creator: 'MIC TEST', element: 0x01 }];

function contains(hay: Uint8Array, needle: string): boolean {
  return Buffer.from(hay).includes(Buffer.from(needle, 'latin1'));
}

function walk(elements: Element[], visit: (el: Element) => void): void {
  for (const el of elements) {
    visit(el);
    for (const item of el.items ?? []) walk(item, visit);
  }
}

function top(bytes: Uint8Array, tag: number): string | undefined {
  return asciiValue(parseFile(bytes).dataset.find((e) => e.tag === tag));
}

describe('deidentify: a file carrying every Annex E attribute', () => {
  const { bytes, planted } = buildAnnexEFile();

  it('leaves none of the planted values anywhere in the output (basic profile)', () => {
    const out = deidentify(bytes, { key: 'k-basic' }).bytes;
    const left = planted.filter((p) => p.text && contains(out, p.text));
    expect(left.map((p) => `${p.tag.toString(16)} ${p.text}`)).toEqual([]);
    expect(top(out, 0x00280303)).toBe('REMOVED');
  });

  it('with all options: retains only what the options keep, shifts every date by the same offset', () => {
    const res = deidentify(bytes, { key: 'k-all', options: ALL, keepPrivate: KEEP_PRIVATE });
    const out = res.bytes;
    const retainedByOption = (tag: number, vr: string) => {
      const row = PROFILE.get(tag);
      return !!row && (row.patient !== undefined || row.clean || (row.dates && vr !== 'DA' && vr !== 'DT'));
    };
    const left = planted.filter((p) => p.text && !retainedByOption(p.tag, p.vr) && contains(out, p.text));
    expect(left.map((p) => `${p.tag.toString(16)} ${p.text}`)).toEqual([]);

    const days = res.mapping.dateOffsetDays!;
    expect(days).toBeGreaterThan(0);
    const parsed = parseFile(out).dataset;
    const input = parseFile(bytes).dataset;
    let checked = 0;
    for (const el of input) {
      if (el.vr !== 'DA' || !PROFILE.get(el.tag)?.dates) continue;
      const got = asciiValue(parsed.find((e) => e.tag === el.tag));
      expect(got).toBe(shiftDate(asciiValue(el)!, days));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(top(out, 0x00101010)).toBe('090Y');
    expect(top(out, 0x00081030)).toBe('CT CHEST');
    expect(top(out, 0x00280303)).toBe('MODIFIED');
    expect(top(out, 0x00120062)).toBe('YES');
    expect(top(out, 0x00100020)).toBe(res.pseudonym);
    expect(top(out, 0x00191001)).toBe('keep-me-safe');
    const codes: string[] = [];
    walk(parsed, (el) => {
      if (el.tag === 0x00120064)
        for (const item of el.items!) codes.push(asciiValue(item.find((e) => e.tag === 0x00080100))!);
    });
    expect(codes).toEqual(['113100', '113107', '113108', '113105']);
  });

  it('keeps ISO 2022 IR 87 text byte for byte and decodes the name for the mapping', () => {
    const res = deidentify(bytes, { key: 'k', options: ALL });
    expect(Buffer.from(res.bytes).includes(JIS_MAKER)).toBe(true);
    expect(top(res.bytes, 0x00080005)).toBe('\\ISO 2022 IR 87');
    expect(res.mapping.patients[res.pseudonym]).toMatchObject({
      patientId: 'ZQPATIENTID77',
      issuer: 'ZQISSUER',
      patientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう',
    });
    // Still a readable DICOM file for dcmjs.
    const copy = Uint8Array.from(res.bytes);
    const back = dcmjs.data.DicomMessage.readFile(copy.buffer, { ignoreErrors: true });
    expect(back.dict['00100020']).toMatchObject({ Value: [res.pseudonym] });
  });

  it('maps UIDs with a keyed hash: same key same UIDs, other key other UIDs, references follow', () => {
    const uids = (key: string) => {
      const list: string[] = [];
      walk(parseFile(deidentify(bytes, { key }).bytes).dataset, (el) => {
        if (el.vr === 'UI') list.push(asciiValue(el)!);
      });
      return list;
    };
    const a = uids('key-a');
    expect(uids('key-a')).toEqual(a);
    const b = uids('key-b');
    const instanceA = a.filter((u) => u.startsWith('2.25.'));
    expect(instanceA.length).toBeGreaterThan(30);
    expect(b.filter((u) => instanceA.includes(u))).toEqual([]);
    expect(a).toContain('1.2.840.10008.5.1.4.1.1.2'); // SOP Class UIDs are registry values and stay
    const nested = planted.find((p) => p.parent === 0x00081140)!.text!;
    expect(a).toContain(pseudonymUid('key-a', nested)); // a reference inside a sequence, mapped like the instance
    for (const u of instanceA) expect(u).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
  });

  it('rejects an object with burned-in annotation unless allowed', () => {
    const withBurnedIn = Buffer.from(bytes);
    const at = withBurnedIn.indexOf(Buffer.from('CS\x02\x00NO', 'latin1'));
    expect(at).toBeGreaterThan(0);
    const yes = Buffer.concat([
      withBurnedIn.subarray(0, at),
      Buffer.from('CS\x04\x00YES ', 'latin1'),
      withBurnedIn.subarray(at + 6),
    ]);
    expect(() => deidentify(yes, { key: 'k' })).toThrow(/Burned In Annotation is YES/);
    expect(deidentify(yes, { key: 'k', allowBurnedIn: true }).bytes.length).toBeGreaterThan(0);
    const sc = readFileSync(dataPath('pydicom-testfiles', 'pydicom', 'JPEG2000.dcm'));
    expect(() => deidentify(sc, { key: 'k' })).toThrow(/Secondary Capture/);
  });

  it('reports malformed input as a DeidError with one line', () => {
    for (const bad of [bytes.subarray(0, 700), new Uint8Array(10), Buffer.from('hello world, not dicom at all')]) {
      let err: unknown;
      try {
        deidentify(bad, { key: 'k' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DeidError);
      expect((err as DeidError).kind).toBe('malformed');
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('deidentify: real headers', () => {
  const files = [
    ['lidc-partial', 'LIDC-IDRI-0001', '-95.000000.dcm'],
    ['lidc-partial', 'LIDC-IDRI-0003', '-179.000000.dcm'],
    ['covid-ny-sbu-slices', 'A002304', 'axial', '19001231-076.dcm'],
    ['covid-ny-sbu-slices', 'A062055', 'coronal'],
    ['pydicom-testfiles', 'pydicom', 'CT_small.dcm'],
    ['pydicom-testfiles', 'pydicom', 'MR_small_bigendian.dcm'],
    ['pydicom-testfiles', 'pydicom', 'rtstruct.dcm'],
    ['pydicom-testfiles', 'pydicom', 'test-SR.dcm'],
    ['pydicom-testfiles', 'pydicom-data', 'liver_deflate.dcm'],
    ['pydicom-testfiles', 'pydicom-data', 'eCT_Supplemental.dcm'],
  ];
  it.each(files)('%s/%s/%s de-identifies and still parses', (...parts: string[]) => {
    let path = dataPath(...parts);
    if (!path.endsWith('.dcm')) {
      path = `${path}/${readdirSync(path).sort()[0]}`;
    }
    const input = readFileSync(path);
    const before = parseFile(input);
    const res = deidentify(input, { key: 'real', options: ALL });
    const after = parseFile(res.bytes);
    const name = asciiValue(before.dataset.find((e) => e.tag === 0x00100010)) ?? '';
    const id = asciiValue(before.dataset.find((e) => e.tag === 0x00100020)) ?? '';
    for (const v of [name, id]) if (v.length >= 3) expect(contains(res.bytes, v)).toBe(false);
    expect(asciiValue(after.dataset.find((e) => e.tag === 0x00120062))).toBe('YES');
    const pixels = (f: typeof before) => f.dataset.find((e) => e.tag === 0x7fe00010);
    expect(Buffer.from(pixels(after)?.value ?? []).equals(Buffer.from(pixels(before)?.value ?? []))).toBe(true);
    walk(after.dataset, (el) => expect(el.tag >>> 16 === 0x6000 || (el.tag >>> 16) % 2 === 1).toBe(false));
    const copy = Uint8Array.from(res.bytes);
    const back = dcmjs.data.DicomMessage.readFile(copy.buffer, { ignoreErrors: true });
    expect(back.dict['00100020']).toMatchObject({ Value: [res.pseudonym] });
  });
});
