import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const host = z.string().min(1).default('127.0.0.1');

// Every port defaults to a non-standard value so the local stack never clashes with system services.
export const configSchema = z
  .object({
    env: z.enum(['development', 'test', 'production']).default('development'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    stateDir: z.string().min(1),
    cacheDir: z.string().min(1),
    redis: z.object({ host, port: port.default(16379), password: z.string().optional() }).prefault({}),
    postgres: z
      .object({
        host,
        port: port.default(15432),
        user: z.string().default('mic'),
        password: z.string().default('mic'),
        database: z.string().default('mic'),
      })
      .prefault({}),
    orthanc: z
      .object({
        host,
        httpPort: port.default(18042),
        dicomPort: port.default(14242),
        aeTitle: z.string().max(16).default('MIC_ORTHANC'),
        username: z.string().default('mic'),
        password: z.string().default('mic-orthanc'),
      })
      .prefault({}),
    s3: z
      .object({
        host,
        port: port.default(18333),
        masterPort: port.default(19333),
        volumePort: port.default(18081),
        filerPort: port.default(18888),
        accessKey: z.string().min(3).default('mic-access-key'),
        secretKey: z.string().min(8).default('mic-secret-key-local'),
        region: z.string().default('us-east-1'),
        bucket: z.string().default('mic'),
        useSSL: z.coerce.boolean().default(false),
      })
      .prefault({}),
    keycloak: z
      .object({
        host,
        port: port.default(18180),
        managementPort: port.default(19000),
        realm: z.string().default('mic'),
        adminUser: z.string().default('admin'),
        adminPassword: z.string().default('admin-local-only'),
        version: z.string().default('26.4.7'),
      })
      .prefault({}),
    api: z.object({ host, port: port.default(18300) }).prefault({}),
    ingest: z.object({ host, port: port.default(18301) }).prefault({}),
    worker: z.object({ host, port: port.default(18302) }).prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
