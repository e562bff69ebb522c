import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dciodvfy } from '../../../../test/support/dciodvfy.js';
import { BASIC_TEXT_SR_SOP_CLASS_UID, writeNotice } from '../../src/sr/index.js';

const study = {
  patientName: 'Doe^Jane',
  patientId: 'H-0042',
  studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
  studyDate: '20200317',
  studyTime: '101500',
  studyId: 'CT1',
  accessionNumber: 'ACC-77',
  referringPhysicianName: 'Smith^A',
};

describe('not-analysed notice (Basic Text SR)', () => {
  const notice = writeNotice({
    study,
    seriesUid: '1.2.826.0.1.3680043.8.498.2',
    seriesDescription: 'ABDOMEN 5mm',
    reason: 'no lung found in the scanned range',
    algorithm: { name: 'mic covid-ct', version: '1.0.0' },
    now: new Date('2026-12-07T10:00:00Z'),
  });
  const dir = mkdtempSync(join(tmpdir(), 'mic-notice-'));
  const file = join(dir, 'notice.dcm');
  writeFileSync(file, notice.bytes);

  it('passes dciodvfy with no errors', () => {
    const { errors } = dciodvfy(file);
    expect(errors).toEqual([]);
  });

  it("joins the hospital's study and says what was not analysed and why", () => {
    const dump = execFileSync('dsrdump', ['+Pl', file], { encoding: 'utf8' });
    expect(dump).toContain('Basic Text SR');
    expect(dump).toContain('Doe^Jane');
    expect(dump).toMatch(/not performed on series "ABDOMEN 5mm": no lung found in the scanned range/);
    expect(dump).toContain('1.2.826.0.1.3680043.8.498.2');
    const tags = execFileSync('dcmdump', ['-Un', '+P', '0020,000d', '+P', '0008,0050', '+P', '0008,0016', file], {
      encoding: 'utf8',
    });
    expect(tags).toContain(study.studyInstanceUid);
    expect(tags).toContain('ACC-77');
    expect(tags).toContain(BASIC_TEXT_SR_SOP_CLASS_UID);
  });

  it('refuses an empty reason', () => {
    expect(() => writeNotice({ study, reason: ' ', algorithm: { name: 'x', version: '1' } })).toThrow(RangeError);
  });
});
