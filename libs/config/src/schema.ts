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
        useSSL: z.union([z.boolean(), z.stringbool()]).default(false),
      })
      .prefault({}),
    keycloak: z
      .object({
        host,
        port: port.default(18180),
        managementPort: port.default(19000),
        realm: z.string().default('mic'),
        // The audience the services require in access tokens (the realm's clients add it with an audience mapper).
        audience: z.string().min(1).default('mic-api'),
        adminUser: z.string().default('admin'),
        adminPassword: z.string().default('admin-local-only'),
        version: z.string().default('26.4.7'),
        // The address browsers and token issuers use, when it is not http://host:port (a proxy, a cluster
        // ingress): tokens carry it as their issuer; services still fetch keys from host:port.
        publicUrl: z.url().optional(),
      })
      .prefault({}),
    api: z
      .object({
        host,
        port: port.default(18300),
        // The realm's public client the web viewer signs in with (authorization code + PKCE).
        webClientId: z.string().min(1).default('mic-web'),
        // Statistics hide any group of fewer distinct patients than this (small-cell suppression).
        minCellSize: z.coerce.number().int().min(1).default(5),
        // Requests per user and process: a burst, then this many per second (0: no limit).
        rateLimitPerSecond: z.coerce.number().min(0).default(20),
        rateLimitBurst: z.coerce.number().int().min(1).default(100),
      })
      .prefault({}),
    ingest: z
      .object({
        host,
        port: port.default(18301),
        // One society per Orthanc source: its instances are de-identified with its key.
        society: z.string().min(1).default('A'),
        societyKey: z.string().min(8).default('mic-local-society-a-deid-key'),
        source: z.string().min(1).default('orthanc-local'),
        // Where a source with no saved position starts: every change Orthanc still holds, or only new ones.
        startAt: z.enum(['beginning', 'now']).default('beginning'),
        pollMs: z.coerce.number().int().min(50).default(1000),
        batch: z.coerce.number().int().min(1).max(1000).default(100),
        // 0: wait for Orthanc's StableStudy; >0: also take a study as settled after this many quiet seconds.
        settleSeconds: z.coerce.number().min(0).default(0),
        minSlices: z.coerce.number().int().min(1).default(10),
        maxSliceThicknessMm: z.coerce.number().positive().default(5),
        analysisVersion: z.string().min(1).default('1'),
        retryMaxMs: z.coerce.number().int().min(100).default(30000),
        // How often the catalogue's queued and running analyses are checked against the queue; a job the queue lost
        // (Redis restarted without its data) is sent again.
        reconcileMs: z.coerce
          .number()
          .int()
          .min(1000)
          .default(5 * 60 * 1000),
        stowMaxBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(512 * 1024 * 1024),
        // A service client (Keycloak client id, role pacs-service) that may upload by STOW-RS for this ingest's society:
        // the society's edge at the hospital (`mic edge`). Empty: society members only.
        uploadClient: z.string().default(''),
        // Bytes this society may upload by STOW-RS in any 24 hours (0: no quota). PACS feeds are not counted.
        stowQuotaBytesPerDay: z.coerce.number().int().min(0).default(0),
        // PS3.15 options on top of the basic profile (comma-separated; see `mic deid`).
        deidOptions: z.string().default('retain-dates-shifted,clean-descriptors'),
      })
      .prefault({}),
    catalog: z
      .object({
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .default('mic'),
        // AES-256-GCM key for the pseudonym -> original mapping: 64 hex characters (32 bytes).
        mappingKey: z
          .string()
          .regex(/^[0-9a-fA-F]{64}$/)
          .default('6d69632d6c6f63616c2d6d617070696e672d6b65792d6f6e6c792d666f722d64'),
      })
      .prefault({}),
    queue: z
      .object({
        prefix: z.string().min(1).default('mic'),
        attempts: z.coerce.number().int().min(1).default(3),
        backoffMs: z.coerce.number().int().min(1).default(5000),
      })
      .prefault({}),
    worker: z
      .object({
        host,
        port: port.default(18302),
        // Jobs analysed at once (each in its own thread).
        concurrency: z.coerce.number().int().min(1).default(1),
        // A job whose lock is not renewed within this time is taken as stalled and handed to another worker.
        lockDurationMs: z.coerce.number().int().min(1000).default(60000),
        stalledIntervalMs: z.coerce.number().int().min(500).default(30000),
        maxStalledCount: z.coerce.number().int().min(0).default(2),
        // Where the analysis runs: the engine has CPU kernels only; 'gpu' is refused until it has GPU kernels.
        device: z.enum(['cpu', 'gpu']).default('cpu'),
        lesionMethod: z.enum(['hu', 'kmeans']).default('hu'),
        // Largest series analysed, in voxels (about 14 bytes each at the peak: 200 M = 780 slices of 512 x 512 in
        // the chart's 3 GiB); a larger one is refused with its size rather than left to exhaust the memory.
        maxVoxels: z.coerce.number().int().min(1).default(200_000_000),
        // Send SEG and SR back to the Orthanc the study came from.
        writeBack: z.union([z.boolean(), z.stringbool()]).default(true),
        // A job may take this long at most (a hung analysis fails and is retried).
        jobTimeoutMs: z.coerce
          .number()
          .int()
          .min(1000)
          .default(30 * 60 * 1000),
        // On SIGTERM the current job may finish within this time; after it the job is left to stalled recovery.
        shutdownGraceMs: z.coerce.number().int().min(0).default(20000),
        // How long a job keeps retrying an unreachable S3 or Orthanc before it fails (and is retried later).
        retryUnreachableMs: z.coerce
          .number()
          .int()
          .min(0)
          .default(10 * 60 * 1000),
      })
      .prefault({}),
    autoscaler: z
      .object({
        host,
        port: port.default(18303),
        // 'advise' computes and publishes the worker count it would set; 'kubernetes' sets it on the Deployment.
        mode: z.enum(['advise', 'kubernetes']).default('advise'),
        intervalMs: z.coerce.number().int().min(100).default(15000),
        minReplicas: z.coerce.number().int().min(0).default(1),
        maxReplicas: z.coerce.number().int().min(1).default(8),
        // Queued plus running jobs one worker replica may hold before another is added (research backlog).
        jobsPerReplica: z.coerce.number().int().min(1).default(4),
        // Scale down only to the largest count wanted within this window, so a short lull does not drop workers.
        scaleDownWindowMs: z.coerce
          .number()
          .int()
          .min(0)
          .default(5 * 60 * 1000),
        // The worker Deployment (in the autoscaler's own namespace) and the API server, in kubernetes mode.
        deployment: z.string().min(1).default('mic-worker'),
        kubernetesUrl: z.url().optional(),
      })
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.autoscaler.minReplicas > c.autoscaler.maxReplicas)
      ctx.addIssue({ code: 'custom', path: ['autoscaler', 'minReplicas'], message: 'greater than maxReplicas' });
    if (c.env !== 'production') return;
    // The defaults are for the local stack only; a production deployment must bring its own secrets.
    for (const path of DEV_SECRETS) {
      const value = path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
      const fallback = path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], DEV_DEFAULTS);
      if (value === fallback)
        ctx.addIssue({ code: 'custom', path, message: 'the local-stack default secret is refused in production' });
    }
  });

const DEV_SECRETS = [
  ['postgres', 'password'],
  ['s3', 'secretKey'],
  ['orthanc', 'password'],
  ['keycloak', 'adminPassword'],
  ['ingest', 'societyKey'],
  ['catalog', 'mappingKey'],
];

export type Config = z.infer<typeof configSchema>;

// Parsed once from an empty input so the refusal above compares with the very defaults the schema gives.
const DEV_DEFAULTS = configSchema.safeParse({ stateDir: '.', cacheDir: '.' }).data as Config;
