import type { Config } from '@mic/config';
import { pingRedis, redisUrl } from '@mic/queue';
import { createPool, postgresUrl } from '@mic/catalog';
import { createS3Client, s3Url } from '@mic/storage';
import { fetchDiscovery, issuerUrl } from '@mic/auth';
import { orthancAuthHeader, orthancUrl } from '@mic/pacs';

export const SERVICES = ['redis', 'postgres', 'orthanc', 's3', 'keycloak'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ServiceStatus {
  url: string;
  healthy: boolean;
  detail: string;
  [extra: string]: unknown;
}

export type StackStatus = Record<ServiceName, ServiceStatus>;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[]; cause?: { code?: string } };
  if (e?.cause?.code === 'ECONNREFUSED') return 'connection refused (not running?)';
  // Node reports a refused connection to a host with several addresses as an AggregateError with no message.
  if (e?.code === 'ECONNREFUSED' || (e?.errors && !e.message)) return 'connection refused (not running?)';
  return (e?.message || String(err)).split('\n')[0];
}

async function orthancDetail(config: Config, ms: number): Promise<string> {
  const get = async (path: string) => {
    const res = await fetch(orthancUrl(config) + path, {
      headers: { authorization: orthancAuthHeader(config) },
      signal: AbortSignal.timeout(ms),
    });
    if (!res.ok) throw new Error(`GET ${path} answered HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  const system = (await get('/system')) as { Version?: string; DicomAet?: string; DicomPort?: number };
  if (system.DicomAet !== config.orthanc.aeTitle || system.DicomPort !== config.orthanc.dicomPort) {
    throw new Error(`Orthanc answers as ${system.DicomAet}@${system.DicomPort}, expected the configured AE/port`);
  }
  const plugins = (await get('/plugins')) as string[];
  if (!plugins.includes('dicom-web')) throw new Error('the DICOMweb plugin is not loaded');
  return `Orthanc ${system.Version}, DICOM ${system.DicomAet}@${config.orthanc.host}:${system.DicomPort}, DICOMweb on`;
}

async function probe(url: string, work: () => Promise<string>, ms: number, what: string): Promise<ServiceStatus> {
  try {
    return { url, healthy: true, detail: await withTimeout(work(), ms, what) };
  } catch (err) {
    return { url, healthy: false, detail: reason(err) };
  }
}

/** Real round trips to every service of the stack, each bounded by `ms`; never throws. */
export async function probeAll(config: Config, ms = 3000): Promise<StackStatus> {
  const issuer = issuerUrl(config);
  const [redis, postgres, orthanc, s3, keycloak] = await Promise.all([
    probe(redisUrl(config), () => pingRedis(config, ms), ms, 'Redis'),
    probe(
      postgresUrl(config),
      async () => {
        const pool = createPool(config, { connectionTimeoutMillis: ms, max: 1 });
        try {
          const { rows } = await pool.query<{ one: number; version: string }>('SELECT 1 AS one, version()');
          return `SELECT 1 -> ${rows[0].one}; ${rows[0].version.split(' ').slice(0, 2).join(' ')}`;
        } finally {
          await pool.end();
        }
      },
      ms,
      'PostgreSQL',
    ),
    probe(orthancUrl(config), () => orthancDetail(config, ms), ms, 'Orthanc'),
    probe(
      s3Url(config),
      async () => {
        const buckets = await createS3Client(config).listBuckets();
        const has = buckets.some((b) => b.name === config.s3.bucket);
        return `${buckets.length} bucket(s); bucket ${config.s3.bucket} ${has ? 'present' : 'missing'}`;
      },
      ms,
      'S3',
    ),
    probe(
      issuer,
      async () => `realm ${config.keycloak.realm}, jwks ${(await fetchDiscovery(issuer, ms)).jwks_uri}`,
      ms,
      'Keycloak',
    ),
  ]);
  orthanc.dicomPort = config.orthanc.dicomPort;
  orthanc.aeTitle = config.orthanc.aeTitle;
  return { redis, postgres, orthanc, s3, keycloak };
}

export function allHealthy(status: StackStatus): boolean {
  return SERVICES.every((s) => status[s].healthy);
}

/** Human-readable table of a status. */
export function formatStatus(status: StackStatus): string {
  const rows = SERVICES.map((s) => [s, status[s].healthy ? 'yes' : 'NO', status[s].url, status[s].detail]);
  const head = ['service', 'healthy', 'url', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
