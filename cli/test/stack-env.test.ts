import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@mic/config';
import { stackEnv } from '../src/stack/env.js';
import { formatStatus, type StackStatus } from '../src/stack/probes.js';

const base = { HOME: '/home/someone', PATH: '/usr/bin' };

describe('stackEnv', () => {
  it('exports the config under the names loadConfig reads, so scripts and CLI agree', () => {
    const config = loadConfig({ env: { ...base, MIC_REDIS_PORT: '26379', MIC_ORTHANC_AE_TITLE: 'X_AE' } });
    const env = stackEnv(config, base);
    expect(env.MIC_REDIS_PORT).toBe('26379');
    expect(env.MIC_ORTHANC_AE_TITLE).toBe('X_AE');
    expect(env.MIC_S3_MASTER_PORT).toBe('19333');
    expect(env.MIC_KEYCLOAK_MANAGEMENT_PORT).toBe('19000');
    expect(env.MIC_STATE_DIR).toBe('/home/someone/.local/state/mic');
    expect(env.MIC_CACHE_DIR).toBe('/home/someone/.cache/mic');
    expect(env.PATH).toBe('/usr/bin');
    // Round trip: the exported variables load back into the same config.
    expect(loadConfig({ env })).toEqual(config);
  });

  it('drops a stale optional variable that the config leaves unset', () => {
    const config = loadConfig({ env: base });
    const env = stackEnv(config, { ...base, MIC_REDIS_PASSWORD: '' });
    expect('MIC_REDIS_PASSWORD' in env).toBe(false);
  });
});

describe('formatStatus', () => {
  it('prints one aligned row per service with its health', () => {
    const ok = { url: 'u', healthy: true, detail: 'fine' };
    const status: StackStatus = {
      redis: ok,
      postgres: ok,
      orthanc: ok,
      s3: { url: 'http://s3', healthy: false, detail: 'connection refused' },
      keycloak: ok,
    };
    const lines = formatStatus(status).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^service\s+healthy\s+url\s+detail$/);
    expect(lines[4]).toMatch(/^s3\s+NO\s+http:\/\/s3\s+connection refused$/);
    expect(lines[1].indexOf('yes')).toBe(lines[4].indexOf('NO'));
  });
});
