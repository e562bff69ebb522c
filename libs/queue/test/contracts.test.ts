import { describe, expect, it } from '@jest/globals';
import { analysisJobId, LANE_PRIORITY, parseAnalysisJob, type AnalysisJob } from '@mic/queue';

const job: AnalysisJob = {
  studyId: 3,
  seriesId: 7,
  studyUid: '2.25.1',
  seriesUid: '2.25.2',
  society: 'A',
  bucket: 'mic',
  objectKeys: ['dicom/ab/abc.dcm'],
  lane: 'clinical',
  analysisVersion: '1.2',
  revision: 1,
  correlationId: 'study-3',
};

describe('analysis job contract', () => {
  it('derives one job id from study, series, version and revision', () => {
    expect(analysisJobId(job)).toBe('analysis-3-7-v1.2-r1');
    expect(analysisJobId({ ...job, revision: 2 })).not.toBe(analysisJobId(job));
    expect(analysisJobId({ ...job, analysisVersion: 'a:b' })).not.toContain(':');
  });

  it('puts the clinical lane before research', () => {
    expect(LANE_PRIORITY.clinical).toBeLessThan(LANE_PRIORITY.research);
  });

  it('accepts a valid payload and names the first bad field otherwise', () => {
    expect(parseAnalysisJob(job)).toEqual(job);
    expect(() => parseAnalysisJob({ ...job, lane: 'urgent' })).toThrow(/lane/);
    expect(() => parseAnalysisJob({ ...job, objectKeys: [] })).toThrow(/objectKeys/);
    expect(() => parseAnalysisJob({ ...job, studyId: '3' })).toThrow(/studyId/);
    expect(() => parseAnalysisJob(null)).toThrow(/not an object/);
  });
});
