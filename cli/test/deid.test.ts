import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@mic/cli';
import { dataPath } from '../../test/support/data.js';

describe('mic deid', () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    const capture = (chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    };
    jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('writes de-identified files, a mapping, and one line per file it could not de-identify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-deid-'));
    const input = join(dir, 'in');
    mkdirSync(join(input, 'sub'), { recursive: true });
    const src = dataPath('lidc-partial', 'LIDC-IDRI-0003');
    const dcm = readdirSync(src)
      .filter((f) => f.endsWith('.dcm'))
      .slice(0, 2);
    copyFileSync(join(src, dcm[0]), join(input, 'a.dcm'));
    copyFileSync(join(src, dcm[1]), join(input, 'sub', 'b.dcm'));
    writeFileSync(join(input, 'broken.dcm'), Buffer.concat([readFileSync(join(src, dcm[0])).subarray(0, 900)]));
    const mapping = join(dir, 'map.json');
    const code = await run([
      'node',
      'mic',
      'deid',
      input,
      '--out',
      join(dir, 'out'),
      '--key',
      'k',
      '--options',
      'retain-dates-shifted',
      '--mapping',
      mapping,
    ]);
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/de-identified 2 of 3 file\(s\)/);
    expect(text).toMatch(/not written: broken\.dcm: malformed DICOM: /);
    expect(text).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out', 'a.dcm'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'sub', 'b.dcm'))).toBe(true);
    const map = JSON.parse(readFileSync(mapping, 'utf8'));
    const [pseudonym] = Object.keys(map.patients);
    expect(map.patients[pseudonym].patientId).toBe('LIDC-IDRI-0003');
    expect(map.patients[pseudonym].dateOffsetDays).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'out', 'a.dcm')).includes(Buffer.from('LIDC-IDRI-0003'))).toBe(false);
  });

  it('refuses an unknown option with one line', async () => {
    const code = await run([
      'node',
      'mic',
      'deid',
      dataPath('lidc-partial'),
      '--out',
      tmpdir(),
      '--key',
      'k',
      '--options',
      'x',
    ]);
    expect(code).toBe(2);
    expect(out.join('')).toMatch(/^mic: unknown option "x"/);
  });
});
