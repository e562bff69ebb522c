import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@mic/config';
import { orthancAuthHeader, orthancJson, orthancUrl } from '@mic/pacs';

describe('pacs', () => {
  const config = loadConfig({
    env: { MIC_ORTHANC_HTTP_PORT: '1', MIC_ORTHANC_USERNAME: 'u', MIC_ORTHANC_PASSWORD: 'p' },
  });

  it('builds the REST address and basic auth from the config', () => {
    expect(orthancUrl(config)).toBe('http://127.0.0.1:1');
    expect(orthancAuthHeader(config)).toBe('Basic ' + Buffer.from('u:p').toString('base64'));
  });

  it('fails, not hangs, when Orthanc is unreachable', async () => {
    await expect(orthancJson(config, '/system', {}, 2000)).rejects.toThrow();
  });
});
