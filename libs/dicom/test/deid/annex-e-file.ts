import { dictionaryVr, makeElement, writeFile, type Element } from '../../src/deid/elements.js';
import { PROFILE } from '../../src/deid/profile.js';

/** ISO 2022 IR 87 bytes of the PS3.5 H.3.1 example name Yamada^Tarou=山田^太郎=やまだ^たろう. */
export const JIS_NAME = Buffer.concat([
  Buffer.from('Yamada^Tarou='),
  Buffer.from([0x1b, 0x24, 0x42, 0x3b, 0x33, 0x45, 0x44, 0x1b, 0x28, 0x42, 0x5e]),
  Buffer.from([0x1b, 0x24, 0x42, 0x42, 0x40, 0x4f, 0x3a, 0x1b, 0x28, 0x42, 0x3d]),
  Buffer.from([0x1b, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5e, 0x24, 0x40, 0x1b, 0x28, 0x42, 0x5e]),
  Buffer.from([0x1b, 0x24, 0x42, 0x24, 0x3f, 0x24, 0x6d, 0x24, 0x26, 0x1b, 0x28, 0x42]),
]);
/** A manufacturer name in JIS X 0208 (東芝) that is retained and must keep its exact bytes. */
export const JIS_MAKER = Buffer.from([0x1b, 0x24, 0x42, 0x45, 0x6c, 0x3c, 0x47, 0x1b, 0x28, 0x42]);

export interface Planted {
  tag: number;
  vr: string;
  text?: string;
  /** The sequence an item value was planted in. */
  parent?: number;
}

function distinctive(i: number, vr: string): string | undefined {
  const n = String(i).padStart(4, '0');
  switch (vr) {
    case 'DA':
      return `19${String(20 + (i % 60)).padStart(2, '0')}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
    case 'DT':
      return `1931${String(1 + (i % 12)).padStart(2, '0')}15101112.${n}`;
    case 'TM':
      return `10${String(i % 60).padStart(2, '0')}07.${n}`;
    case 'AS':
      return '095Y';
    case 'UI':
      return `1.2.3.999.${i}`;
    case 'PN':
      return `ZQFAM${n}^ZQGIV${n}`;
    case 'CS':
    case 'AE':
      return `ZQ${n}`;
    case 'DS':
    case 'IS':
      return `7${n}9137`;
    case 'SH':
    case 'LO':
    case 'LT':
    case 'ST':
    case 'UT':
    case 'UC':
    case 'UR':
      return `ZQ-secret-${n}`;
    default:
      return undefined;
  }
}

/** A nested item with a person name, a UID and a date, to check that every sequence is cleaned recursively. */
function nestedItem(i: number, parent: number, planted: Planted[]): Element[] {
  const n = String(i).padStart(4, '0');
  const item = [
    makeElement(0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    makeElement(0x00081155, 'UI', `1.2.3.888.${i}`),
    makeElement(0x0040a123, 'PN', `ZQNESTED${n}^ZQX`),
    makeElement(0x00100020, 'LO', `ZQNESTEDID${n}`),
  ];
  planted.push({ tag: 0x00081155, vr: 'UI', text: `1.2.3.888.${i}`, parent });
  planted.push(
    { tag: 0x0040a123, vr: 'PN', text: `ZQNESTED${n}` },
    { tag: 0x00100020, vr: 'LO', text: `ZQNESTEDID${n}` },
  );
  return item;
}

/**
 * A CT-like file carrying every attribute of PS3.15 Table E.1-1 with a distinctive value, sequences with nested
 * identifiers, private tags (one allow-listed), an overlay, and a Japanese name in ISO 2022 IR 87.
 */
export function buildAnnexEFile(): { bytes: Uint8Array; planted: Planted[] } {
  const planted: Planted[] = [];
  const ds: Element[] = [];
  let i = 0;
  for (const tag of PROFILE.keys()) {
    i++;
    if (tag >>> 16 === 0x0002) continue;
    let vr = dictionaryVr(tag);
    if (vr === 'UN' || vr.length !== 2) vr = 'LO';
    if (vr === 'SQ') {
      ds.push({ tag, vr, items: [nestedItem(i, tag, planted)] });
      continue;
    }
    const text = distinctive(i, vr);
    if (text === undefined) {
      const marker = `ZB${String(i).padStart(6, '0')}`;
      ds.push({ tag, vr, value: Buffer.from(marker, 'latin1') });
      planted.push({ tag, vr, text: marker });
      continue;
    }
    ds.push(makeElement(tag, vr, text));
    planted.push({ tag, vr, text });
  }
  const replace = (el: Element) => {
    const k = ds.findIndex((e) => e.tag === el.tag);
    if (k >= 0) ds[k] = el;
    else ds.push(el);
  };
  replace(makeElement(0x00080005, 'CS', '\\ISO 2022 IR 87'));
  replace(makeElement(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'));
  replace(makeElement(0x00080018, 'UI', '1.2.3.999.4242'));
  replace(makeElement(0x00080060, 'CS', 'CT'));
  replace({ tag: 0x00080070, vr: 'LO', value: JIS_MAKER });
  replace({ tag: 0x00100010, vr: 'PN', value: JIS_NAME });
  replace(makeElement(0x00100020, 'LO', 'ZQPATIENTID77'));
  replace(makeElement(0x00100021, 'LO', 'ZQISSUER'));
  replace(makeElement(0x00081030, 'LO', 'CT CHEST ZQPATIENTID77 12/03/2019'));
  replace(makeElement(0x00280301, 'CS', 'NO'));
  planted.push({ tag: 0x00100010, vr: 'PN', text: 'Yamada' }, { tag: 0x00100020, vr: 'LO', text: 'ZQPATIENTID77' });
  ds.push(makeElement(0x00090010, 'LO', 'ZQPRIVCREATOR'), makeElement(0x00091001, 'LO', 'ZQPRIVATEVALUE'));
  ds.push({ tag: 0x00111010, vr: 'SQ', items: [[makeElement(0x00100010, 'PN', 'ZQPRIVSEQNAME')]] });
  ds.push(makeElement(0x00190010, 'LO', 'MIC TEST'), makeElement(0x00191001, 'LO', 'keep-me-safe'));
  ds.push(makeElement(0x60000022, 'LO', 'ZQOVERLAYDESC'), { tag: 0x60003000, vr: 'OW', value: new Uint8Array(8) });
  planted.push(
    { tag: 0x00090010, vr: 'LO', text: 'ZQPRIVCREATOR' },
    { tag: 0x00091001, vr: 'LO', text: 'ZQPRIVATEVALUE' },
    { tag: 0x00111010, vr: 'PN', text: 'ZQPRIVSEQNAME' },
    { tag: 0x60000022, vr: 'LO', text: 'ZQOVERLAYDESC' },
  );
  const meta = [
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
    makeElement(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    makeElement(0x00020003, 'UI', '1.2.3.999.4242'),
    makeElement(0x00020010, 'UI', '1.2.840.10008.1.2.1'),
  ];
  return { bytes: writeFile(meta, ds, '1.2.840.10008.1.2.1'), planted };
}
