import { describe, expect, it } from '@jest/globals';
import { engineVersions, huBandMethod, kmeansMethod, LUNG_SEGMENTATION_VERSION } from '@mic/analysis';

describe('engine identity', () => {
  const digest = (o: Parameters<typeof engineVersions>[1]) => engineVersions(LUNG_SEGMENTATION_VERSION, o).engine;

  it('is the same for the same parameters, however they were written', () => {
    const a = digest({ method: huBandMethod, lesionOptions: { ggoMinHu: -700, consolidationMinHu: -300 } });
    expect(digest({ method: huBandMethod, lesionOptions: { consolidationMinHu: -300, ggoMinHu: -700 } })).toBe(a);
    // the defaults written out are the defaults
    expect(digest({ method: huBandMethod, lesionOptions: { ggoMinHu: -700 } })).toBe(digest({ method: huBandMethod }));
  });

  it('changes with the method, any parameter, or the clean-up switched off', () => {
    const base = digest({ method: huBandMethod });
    expect(digest({ method: kmeansMethod })).not.toBe(base);
    expect(digest({ method: huBandMethod, lesionOptions: { ggoMinHu: -650 } })).not.toBe(base);
    expect(digest({ method: huBandMethod, lungOptions: { airThresholdHu: -450 } })).not.toBe(base);
    expect(digest({ method: huBandMethod, refine: false })).not.toBe(base);
    expect(digest({ method: huBandMethod, refine: { rimMm: 3 } })).not.toBe(base);
  });
});
