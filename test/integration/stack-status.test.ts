import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/data.js';
import { config } from './support/stack.js';

jest.setTimeout(60_000);

describe('npx mic stack status --json', () => {
  it('reports all five services healthy in the documented shape', () => {
    const run = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mic.js'), 'stack', 'status', '--json'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (run.status !== 0) {
      throw new Error(`stack status exited ${run.status}: ${run.stdout}${run.stderr}; run \`npx mic stack up\` first`);
    }
    const out = JSON.parse(run.stdout) as { services: Record<string, Record<string, unknown>> };
    expect(Object.keys(out)).toEqual(['services']);
    expect(Object.keys(out.services).sort()).toEqual(['keycloak', 'orthanc', 'postgres', 'redis', 's3']);
    for (const [name, s] of Object.entries(out.services)) {
      const extra = name === 'orthanc' ? ['aeTitle', 'dicomPort'] : [];
      expect(Object.keys(s).sort()).toEqual([...extra, 'detail', 'healthy', 'url'].sort());
      expect(s.healthy).toBe(true);
      expect(typeof s.url).toBe('string');
      expect(typeof s.detail).toBe('string');
    }
    expect(out.services.keycloak.url).toBe(
      `http://${config.keycloak.host}:${config.keycloak.port}/realms/${config.keycloak.realm}`,
    );
    expect(out.services.orthanc.aeTitle).toBe(config.orthanc.aeTitle);
    expect(out.services.orthanc.dicomPort).toBe(config.orthanc.dicomPort);
  });
});
