import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { feedPosition, type Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import { startIngest, type IngestService } from '@mic/ingest';
import { repoRoot } from '../../support/data.js';
import { waitFor } from '../../integration/support/ingest.js';

/** `mic serve worker` as a child process (built CLI), with the test's config in a file. */
export class WorkerProcess {
  readonly logs: string[] = [];
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(private readonly config: Config) {}

  async start(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'mic-worker-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(this.config));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MIC_')));
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'mic.js'), 'serve', 'worker'], {
      cwd: repoRoot,
      env: { ...env, MIC_CONFIG_FILE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const s of [child.stdout!, child.stderr!])
      s.on('data', (d: Buffer) => this.logs.push(...d.toString().split('\n').filter(Boolean)));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(`the worker to be ready (logs: ${this.logs.slice(-5).join(' | ')})`, 60_000, async () => {
      if (child.exitCode !== null)
        throw new Error(`worker exited with ${child.exitCode}: ${this.logs.slice(-3).join(' | ')}`);
      const res = await fetch(`http://127.0.0.1:${this.config.worker.port}/readyz`);
      return res.status === 200 ? true : undefined;
    });
  }

  /** SIGKILL: no shutdown code runs, as when a node dies. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exited!;
  }
}

/**
 * Copies of a series with a study and series UID of their own (and new SOP instance UIDs), so that no other test
 * sending the same files to the shared Orthanc can add to, or pre-empt, this run's study.
 */
export function freshCopies(files: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'mic-e2e-'));
  const uid = () => `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString(10)}`;
  const [study, series] = [uid(), uid()];
  const out = files.map((f, i) => {
    const copy = join(dir, `${i}.dcm`);
    copyFileSync(f, copy);
    return copy;
  });
  execFileSync('dcmodify', ['-nb', '-gin', '-m', `(0020,000d)=${study}`, '-m', `(0020,000e)=${series}`, ...out], {
    stdio: 'pipe',
  });
  return out;
}

/** Ingest in this process, once it follows the change feed, and the worker as a child process. */
export async function startPipeline(
  config: Config,
  pool: Pool,
): Promise<{ ingest: IngestService; worker: WorkerProcess }> {
  const ingest = await startIngest(config);
  await ingest.ready;
  await waitFor('a change-feed position', 30_000, () => feedPosition(pool, config.ingest.source));
  const worker = new WorkerProcess({ ...config, logLevel: 'info' });
  await worker.start();
  return { ingest, worker };
}
