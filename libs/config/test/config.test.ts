import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envVariables, loadConfig } from '@mic/config';

describe('config', () => {
  it('gives non-default ports and state outside the repository by default', () => {
    const c = loadConfig({ env: { HOME: '/home/x' } });
    expect(c.redis.port).toBe(16379);
    expect(c.postgres.port).toBe(15432);
    expect(c.stateDir).toBe('/home/x/.local/state/mic');
  });

  it('reads environment variables named after the schema', () => {
    expect(envVariables().get('MIC_S3_ACCESS_KEY')).toEqual(['s3', 'accessKey']);
    const c = loadConfig({ env: { MIC_REDIS_PORT: '7000', MIC_S3_ACCESS_KEY: 'abc123', MIC_LOG_LEVEL: 'debug' } });
    expect(c.redis.port).toBe(7000);
    expect(c.s3.accessKey).toBe('abc123');
    expect(c.logLevel).toBe('debug');
  });

  it('reads booleans from the environment as words, not truthiness', () => {
    expect(loadConfig({ env: { MIC_S3_USE_SSL: 'false' } }).s3.useSSL).toBe(false);
    expect(loadConfig({ env: { MIC_S3_USE_SSL: 'true' } }).s3.useSSL).toBe(true);
    expect(() => loadConfig({ env: { MIC_S3_USE_SSL: 'maybe' } })).toThrow(/s3\.useSSL/);
  });

  it('lets the environment override the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ redis: { port: 7001 }, postgres: { port: 7002 } }));
    const c = loadConfig({ file, env: { MIC_POSTGRES_PORT: '7003' } });
    expect(c.redis.port).toBe(7001);
    expect(c.postgres.port).toBe(7003);
  });

  it('lists every invalid key in one error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ bogus: 1, redis: { port: 'x' } }));
    try {
      loadConfig({ file, env: { MIC_POSTGRES_PORT: '99999', MIC_LOG_LEVEL: 'loud' } });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^bogus/m);
      expect(problems).toMatch(/^redis\.port \(env MIC_REDIS_PORT\)/m);
      expect(problems).toMatch(/^postgres\.port \(env MIC_POSTGRES_PORT\)/m);
      expect(problems).toMatch(/^logLevel/m);
    }
  });

  it('refuses an autoscaler floor above its ceiling', () => {
    expect(loadConfig({ env: { MIC_AUTOSCALER_MIN_REPLICAS: '0' } }).autoscaler.minReplicas).toBe(0);
    expect(() => loadConfig({ env: { MIC_AUTOSCALER_MIN_REPLICAS: '9', MIC_AUTOSCALER_MAX_REPLICAS: '3' } })).toThrow(
      /autoscaler\.minReplicas/,
    );
  });

  it('reports an unreadable config file', () => {
    expect(() => loadConfig({ file: '/nonexistent/mic.json', env: {} })).toThrow(/config file/);
  });
});

describe('config in production', () => {
  it('refuses the local-stack default secrets', () => {
    try {
      loadConfig({ env: { MIC_ENV: 'production' } });
      throw new Error('expected a ConfigError');
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      for (const key of ['postgres.password', 's3.secretKey', 'ingest.societyKey', 'catalog.mappingKey']) {
        expect(problems).toContain(key);
      }
    }
  });

  it('accepts a production config that brings its own secrets', () => {
    const c = loadConfig({
      env: {
        MIC_ENV: 'production',
        MIC_POSTGRES_PASSWORD: 'p',
        MIC_S3_SECRET_KEY: 'secret-key-xyz',
        MIC_ORTHANC_PASSWORD: 'o',
        MIC_KEYCLOAK_ADMIN_PASSWORD: 'k',
        MIC_INGEST_SOCIETY_KEY: 'society-key-xyz',
        MIC_CATALOG_MAPPING_KEY: 'ab'.repeat(32),
      },
    });
    expect(c.env).toBe('production');
  });
});
