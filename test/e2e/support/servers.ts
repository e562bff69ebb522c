import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@mic/config';
import { stackEnv } from '../../../cli/src/stack/env.js';
import { probeAll } from '../../../cli/src/stack/probes.js';
import { repoRoot } from '../../support/data.js';
import { waitFor } from '../../integration/support/ingest.js';

/** The servers a test can run privately, with the local stack's own scripts. */
export type PrivateService = 'redis' | 'orthanc' | 's3';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // Orthanc listens on all interfaces, so the port must be free there too.
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/**
 * Seven ports in 20000-22699 for Redis, Orthanc (HTTP, DICOM) and SeaweedFS (S3, master, volume, filer), with the
 * weed gRPC ports (each + 10000) in 30000-32699: below the ephemeral range and clear of the main stack's ports.
 */
async function privatePorts(): Promise<number[]> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + 10 * Math.floor(Math.random() * 270);
    const ports = Array.from({ length: 7 }, (_, i) => base + i);
    const needed = [...ports, ...ports.slice(3).map((p) => p + 10000)];
    if ((await Promise.all(needed.map(portFree))).every(Boolean)) return ports;
  }
  throw new Error('no free block of ports in 20000-22699');
}

/**
 * Redis, Orthanc and SeaweedFS of this test only: started and stopped by infra/local/stack.sh (SIGTERM, then KILL
 * after a grace period) on ports and a state folder of their own, so the test can restart them on the same port and
 * data without touching the shared stack. PostgreSQL and Keycloak stay the shared ones.
 */
export class PrivateServers {
  readonly output: string[] = [];

  private constructor(readonly config: Config) {}

  static async create(base: Config): Promise<PrivateServers> {
    const [redis, http, dicom, s3, master, volume, filer] = await privatePorts();
    const stateDir = mkdtempSync(join(tmpdir(), 'mic-servers-'));
    return new PrivateServers({
      ...base,
      stateDir,
      redis: { ...base.redis, port: redis },
      orthanc: { ...base.orthanc, httpPort: http, dicomPort: dicom },
      s3: { ...base.s3, port: s3, masterPort: master, volumePort: volume, filerPort: filer },
    });
  }

  private script(action: 'up' | 'down', services: PrivateService[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [join(repoRoot, 'infra', 'local', 'stack.sh'), action, ...services], {
        env: stackEnv(this.config),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => this.output.push(d.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`stack.sh ${action} ${services.join(' ')} exited ${code}: ${this.output.join('')}`)),
      );
    });
  }

  /** Starts the services (same ports, same data as before) and waits until each answers. */
  async start(services: PrivateService[]): Promise<void> {
    await this.script('up', services);
    await waitFor(`${services.join(', ')} healthy`, 90_000, async () => {
      const status = await probeAll(this.config, 2000);
      const sick = services.filter((s) => !status[s].healthy);
      if (sick.length) throw new Error(sick.map((s) => `${s}: ${status[s].detail}`).join('; '));
      return true;
    });
  }

  /** SIGTERM to each server, in parallel, and waits until they have exited. */
  stop(services: PrivateService[]): Promise<void> {
    return this.script('down', services);
  }

  async destroy(): Promise<void> {
    await this.stop(['redis', 'orthanc', 's3']).catch(() => undefined);
    rmSync(this.config.stateDir, { recursive: true, force: true });
  }
}
