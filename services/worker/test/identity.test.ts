import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { deidentify, parseDicom } from '@mic/dicom';
import { dataPath } from '../../../test/support/data.js';
import { analyseSeries, derivedObjects } from '../src/analyse.js';
import { derivedUid, derivedUids, referencedUids, restoreSource, unshiftDate } from '../src/identity.js';

const KEY = 'worker-unit-test-key';

describe('derived UIDs', () => {
  it('are the same for the same parts and differ for any other part', () => {
    const a = derivedUids('1.2.3', '1.2.4', '1', 1);
    expect(derivedUids('1.2.3', '1.2.4', '1', 1)).toEqual(a);
    expect(derivedUids('1.2.3', '1.2.4', '1', 2).segSopUid).not.toBe(a.segSopUid);
    expect(derivedUids('1.2.3', '1.2.4', '2', 1).segSopUid).not.toBe(a.segSopUid);
    expect(new Set(Object.values(a)).size).toBe(4);
    for (const uid of Object.values(a)) expect(uid).toMatch(/^2\.25\.(0|[1-9]\d{0,38})$/);
    expect(derivedUid('x').length).toBeLessThanOrEqual(64);
  });
});

describe('unshiftDate', () => {
  it('moves a shifted date forward by the offset, across months and leap days', () => {
    expect(unshiftDate('20200228', 2)).toBe('20200301');
    expect(unshiftDate('19991231', 1)).toBe('20000101');
    expect(unshiftDate('20200101', null)).toBe('20200101');
    expect(unshiftDate(undefined, 5)).toBeUndefined();
  });
});

describe('SEG and SR for the write-back', () => {
  // One real COVID-19 slice, de-identified as ingest does it, analysed as the worker does it.
  const original = new Uint8Array(
    readFileSync(dataPath('covid-ny-sbu-slices', 'A098752', 'axial', '19010127-128.dcm')),
  );
  const orig = parseDicom(original).dataset;
  const deid = deidentify(original, { key: KEY, options: ['retain-dates-shifted'] });
  let a: Awaited<ReturnType<typeof analyseSeries>>;

  beforeAll(async () => {
    a = await analyseSeries([{ name: 'slice.dcm', bytes: deid.bytes }], { seriesUid: '', method: 'hu' });
  }, 60_000);

  it('carry the original patient, study, series, frame of reference and image UIDs, and the derived UIDs', async () => {
    expect(a.source.patientId).toBe(deid.pseudonym);
    const uids = new Map(Object.entries(deid.mapping.uids));
    for (const uid of referencedUids(a.source)) expect(uids.has(uid)).toBe(true);
    const patient = deid.mapping.patients[deid.pseudonym];
    const source = restoreSource(a.source, uids, patient);
    const derived = derivedUids(source.studyInstanceUid, source.seriesInstanceUid, '1', 1);
    const { seg, sr } = derivedObjects(
      source,
      a.labels,
      { report: a.result.report, dims: a.result.lungs.dims },
      derived,
    );

    const s = parseDicom(seg).dataset;
    expect(s).toMatchObject({
      PatientID: orig.PatientID,
      StudyInstanceUID: orig.StudyInstanceUID,
      FrameOfReferenceUID: orig.FrameOfReferenceUID,
      SOPInstanceUID: derived.segSopUid,
      SeriesInstanceUID: derived.segSeriesUid,
      StudyDate: orig.StudyDate,
    });
    const ref = (s.ReferencedSeriesSequence as Record<string, unknown>[])[0];
    expect(ref.SeriesInstanceUID).toBe(orig.SeriesInstanceUID);
    const refImages = ref.ReferencedInstanceSequence as Record<string, unknown>[];
    expect(refImages.map((r) => r.ReferencedSOPInstanceUID)).toEqual([orig.SOPInstanceUID]);

    const r = parseDicom(sr).dataset;
    expect(r).toMatchObject({
      PatientID: orig.PatientID,
      StudyInstanceUID: orig.StudyInstanceUID,
      SOPInstanceUID: derived.srSopUid,
    });
    // nothing de-identified leaks into what goes back to the hospital
    const text = Buffer.from(seg).toString('latin1') + Buffer.from(sr).toString('latin1');
    for (const pseudo of [deid.pseudonym, ...uids.keys()]) expect(text.includes(pseudo)).toBe(false);
  });

  it('takes accession number, study id, physician, date/time, birth date and sex from the original study', () => {
    const uids = new Map(Object.entries(deid.mapping.uids));
    const patient = deid.mapping.patients[deid.pseudonym];
    const objects = (study: Parameters<typeof restoreSource>[3]) => {
      const source = restoreSource(a.source, uids, patient, study);
      const derived = derivedUids(source.studyInstanceUid, source.seriesInstanceUid, '1', 1);
      const out = derivedObjects(source, a.labels, { report: a.result.report, dims: a.result.lungs.dims }, derived);
      return [parseDicom(out.seg).dataset, parseDicom(out.sr).dataset];
    };
    const study = {
      accessionNumber: 'ACC-778899',
      studyId: 'ST42',
      referringPhysicianName: 'Doe^Jane',
      studyDate: '19010127',
      studyTime: '144157',
      patientBirthDate: '19500102',
      patientSex: 'M',
    };
    for (const d of objects(study))
      expect(d).toMatchObject({
        AccessionNumber: 'ACC-778899',
        StudyID: 'ST42',
        ReferringPhysicianName: [{ Alphabetic: 'Doe^Jane' }],
        StudyDate: '19010127',
        StudyTime: '144157',
        PatientBirthDate: '19500102',
        PatientSex: 'M',
      });
    // what the original does not have stays empty: nothing comes from the de-identified copy but the shifted-back date
    for (const d of objects({})) {
      for (const k of ['AccessionNumber', 'StudyID', 'ReferringPhysicianName', 'PatientBirthDate', 'PatientSex'])
        expect({ k, v: [d[k]].flat().join('') }).toEqual({ k, v: '' });
      expect(d.StudyDate).toBe(orig.StudyDate);
    }
  });

  it('refuses to restore when a referenced UID has no original', () => {
    const uids = new Map(Object.entries(deid.mapping.uids));
    uids.delete(a.source.frameOfReferenceUid);
    expect(() => restoreSource(a.source, uids, deid.mapping.patients[deid.pseudonym])).toThrow(
      'no original frame of reference UID',
    );
  });
});

describe('a series with no lung', () => {
  it('is refused as bad input, so no "negative" SEG/SR goes back to the PACS', async () => {
    const bytes = new Uint8Array(readFileSync(dataPath('ct-transfer-syntaxes', 'CTImage.dcm')));
    const run = analyseSeries([{ name: 'ct.dcm', bytes }], { seriesUid: '', method: 'hu' });
    await expect(run).rejects.toThrow(/no lung found in the series .*: not analysed/);
    await expect(run).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
