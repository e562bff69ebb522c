import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalogPool, lookupOriginal, type Pool } from '@mic/catalog';
import { startIngest, type IngestService } from '@mic/ingest';
import { requireService } from './support/stack.js';
import {
  dcmValue,
  deleteFromOrthanc,
  freePort,
  isolatedConfig,
  lidcFiles,
  storescu,
  waitFor,
} from './support/ingest.js';
import { freshCopies } from '../e2e/support/worker.js';
import { PrivateServers } from '../e2e/support/servers.js';
import { emptyRound } from '../../cli/src/edge/edge.js';

jest.setTimeout(180_000);

// The platform: an ingest that cannot reach the hospital's Orthanc at all (outbound-only) and takes uploads from the
// society's edge client. The hospital: the local Orthanc, followed by `mic edge` in its own process.
const root = join(import.meta.dirname, '..', '..');
const config = await isolatedConfig({ ingest: { uploadClient: 'mic-pacs' }, orthanc: { httpPort: await freePort() } });
// The hospital's Orthanc is this test's own: a study another test left in the shared one turns stable late (its
// StableStudy comes 60 s after its last instance) and the edge would send it along with the one under test.
const hospitalBase = await isolatedConfig();
const servers = await PrivateServers.create(hospitalBase);
const hospital = { ...hospitalBase, orthanc: servers.config.orthanc };
const files = freshCopies(lidcFiles('LIDC-IDRI-0003'));
const studyUid = dcmValue(files[0], '0020,000d');
const dir = mkdtempSync(join(tmpdir(), 'mic-edge-'));
const state = join(dir, 'state.json');
const env = {
  ...process.env,
  MIC_EDGE_CLIENT_SECRET: 'mic-pacs-local-secret',
  MIC_LOG_LEVEL: 'warn',
  MIC_ORTHANC_HTTP_PORT: String(hospital.orthanc.httpPort),
  MIC_ORTHANC_DICOM_PORT: String(hospital.orthanc.dicomPort),
};

describe('mic edge: the hospital uploads, the platform never connects in', () => {
  let platform: IngestService;
  let pool: Pool;
  const edgeArgs = () => ['edge', '--stow-url', `http://127.0.0.1:${platform.port}/dicomweb`, '--state', state];
  // Asynchronous: the platform's ingest runs in this process and must keep answering while the edge uploads.
  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'bin', 'mic.js'), ...args],
        { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 },
        (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const edge = (...extra: string[]) => run([...edgeArgs(), ...extra]);

  /** The platform's studies whose encrypted mapping leads back to this original Study Instance UID. */
  async function platformStudy(): Promise<{ id: string } | undefined> {
    for (const s of (await pool.query('SELECT id, study_uid FROM studies')).rows)
      if ((await lookupOriginal(pool, config.catalog.mappingKey, 'A', 'uid', s.study_uid)) === studyUid) return s;
    return undefined;
  }

  beforeAll(async () => {
    for (const s of ['postgres', 'redis', 's3', 'keycloak'] as const) await requireService(s);
    await servers.start(['orthanc']);
    platform = await startIngest(config);
    await platform.ready;
    pool = createCatalogPool(config);
  });

  afterAll(async () => {
    await platform?.stop();
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
    await servers.destroy();
  });

  it('starts from now, then sends a study once it has settled, once', async () => {
    const first = await edge('--once');
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual(emptyRound());
    await storescu(hospital, files);
    // just arrived: not quiet for an hour, and Orthanc has not called it stable yet
    const early = await edge('--once', '--settle', '3600');
    expect(JSON.parse(early.stdout)).toEqual(emptyRound());
    expect(Object.values(JSON.parse(readFileSync(state, 'utf8')).pending)).toEqual([1]);
    const sent = await edge('--once', '--settle', '0');
    expect(sent.stderr).toBe('');
    expect(JSON.parse(sent.stdout)).toEqual({
      ...emptyRound(),
      uploaded: files.length,
      studiesDone: 1,
      bytesSent: files.reduce((n, f) => n + statSync(f).size, 0),
    });
    const study = await platformStudy();
    expect(study).toBeDefined();
    const instances = await pool.query(
      'SELECT count(*)::int AS n FROM instances i JOIN series s ON s.id = i.series_id WHERE s.study_id = $1',
      [study!.id],
    );
    expect(instances.rows[0].n).toBe(files.length);
    const analyses = await pool.query(
      'SELECT a.revision, a.lane FROM analyses a JOIN series s ON s.id = a.series_id WHERE s.study_id = $1',
      [study!.id],
    );
    // one request per series: one analysis, not one per part
    expect(analyses.rows).toEqual([{ revision: 1, lane: 'research' }]);
    const upload = await pool.query(`SELECT actor FROM audit WHERE action = 'stow.upload' AND study_id = $1`, [
      study!.id,
    ]);
    expect(upload.rows.map((r) => r.actor)).toEqual(['user:service-account-mic-pacs']);
    expect(JSON.parse((await edge('--once', '--settle', '0')).stdout).uploaded).toBe(0);
    // what an operator sees without reaching anything
    const status = await run(['edge', '--state', state, '--status']);
    expect(JSON.parse(status.stdout)).toMatchObject({ studiesPending: 0, studiesDone: 1, seriesAwaitingResults: 0 });
  });

  it('loses nothing when stopped mid-upload and started again', async () => {
    await deleteFromOrthanc(hospital, studyUid);
    const again = freshCopies(lidcFiles('LIDC-IDRI-0002'));
    const uid = dcmValue(again[0], '0020,000d');
    try {
      await storescu(hospital, again);
      // 1 kB/s: the upload waits in the throttle, where it is killed
      const slow = spawn(
        process.execPath,
        [join(root, 'bin', 'mic.js'), ...edgeArgs(), '--settle', '0', '--rate', '1000'],
        {
          env,
          stdio: 'ignore',
        },
      );
      await waitFor('the edge to see the study', 30_000, async () =>
        Object.keys(JSON.parse(readFileSync(state, 'utf8')).pending).length ? true : undefined,
      );
      slow.kill('SIGKILL');
      const r = await edge('--once', '--settle', '0');
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ uploaded: again.length, studiesDone: 1 });
    } finally {
      await deleteFromOrthanc(hospital, uid);
    }
  });

  it('says why and keeps its place when the platform cannot be reached', async () => {
    const third = freshCopies(lidcFiles('LIDC-IDRI-0001'));
    const uid = dcmValue(third[0], '0020,000d');
    try {
      await storescu(hospital, third);
      const dead = `http://127.0.0.1:${await freePort()}/dicomweb`;
      const r = await run(['edge', '--stow-url', dead, '--state', state, '--once', '--settle', '0']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/platform STOW-RS not reachable at .*ECONNREFUSED/);
      // the study is still to be sent, and is, once the platform answers
      expect(Object.keys(JSON.parse(readFileSync(state, 'utf8')).pending)).toHaveLength(1);
      // a running edge tells the hospital's monitoring: unready once rounds keep failing, and what waits
      const port = await freePort();
      const watched = spawn(
        process.execPath,
        [join(root, 'bin', 'mic.js'), 'edge', '--stow-url', dead, '--state', state, '--settle', '0'].concat([
          '--poll-ms',
          '100',
          '--metrics-port',
          String(port),
          '--unready-after',
          '1',
        ]),
        { env, stdio: 'ignore' },
      );
      try {
        const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
        const unready = await waitFor('the edge unready', 30_000, async () => {
          const res = await get('/readyz');
          return res?.status === 503 ? res.json() : undefined;
        });
        expect(unready).toMatchObject({ lastSuccess: null, lastError: expect.stringMatching(/ECONNREFUSED/) });
        expect((await get('/healthz'))?.status).toBe(200);
        const metrics = await (await get('/metrics'))!.text();
        expect(metrics).toMatch(/^mic_edge_studies_pending\{[^}]*\} 1$/m);
        expect(metrics).toMatch(/^mic_edge_rounds_total\{outcome="failed"[^}]*\} [1-9]/m);
      } finally {
        watched.kill('SIGTERM');
        await new Promise((r) => watched.once('exit', r));
      }
      expect(JSON.parse((await edge('--once', '--settle', '0')).stdout)).toMatchObject({
        uploaded: third.length,
        studiesDone: 1,
      });
    } finally {
      await deleteFromOrthanc(hospital, uid);
    }
    const noSecret = await run([...edgeArgs(), '--once'], { MIC_EDGE_CLIENT_SECRET: '' });
    expect(noSecret.status).toBe(2);
    expect(noSecret.stderr).toMatch(/MIC_EDGE_CLIENT_SECRET/);
    const noUrl = await run(['edge', '--state', state, '--once']);
    expect({ status: noUrl.status, stderr: noUrl.stderr }).toEqual({
      status: 2,
      stderr: expect.stringMatching(/--stow-url is required/),
    });
  });

  it("goes through the hospital's outbound proxy, and says so when the proxy is away", async () => {
    // a forward proxy on loopback: CONNECT tunnels, as a hospital's proxy offers them
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    const study = freshCopies(lidcFiles('LIDC-IDRI-0001')).slice(0, 3);
    const uids = [dcmValue(study[0], '0020,000d')];
    try {
      await storescu(hospital, study);
      const away = await edge('--once', '--settle', '0', '--proxy', `http://127.0.0.1:${await freePort()}`);
      expect(away.status).toBe(1);
      expect(away.stderr).toMatch(/(Keycloak|platform STOW-RS) not reachable at .*ECONNREFUSED/);
      const through = await edge('--once', '--settle', '0', '--proxy', `http://127.0.0.1:${proxyPort}`);
      expect(through.stderr).toBe('');
      expect(JSON.parse(through.stdout)).toMatchObject({ uploaded: study.length, studiesDone: 1 });
      // the token and the upload both went through it; Orthanc, on the hospital's side, did not
      expect(tunnels).toEqual(expect.arrayContaining([`127.0.0.1:${platform.port}`]));
      expect(tunnels.some((t) => t.endsWith(`:${hospital.keycloak.port}`))).toBe(true);
      expect(tunnels.some((t) => t.endsWith(`:${hospital.orthanc.httpPort}`))).toBe(false);
      expect((await edge('--once', '--proxy', 'not a url')).stderr).toMatch(/--proxy must be a URL/);
      // the same from the environment, as hospital IT sets it for every program; NO_PROXY keeps Keycloak direct
      const before = tunnels.length;
      const second = freshCopies(lidcFiles('LIDC-IDRI-0001')).slice(0, 3);
      uids.push(dcmValue(second[0], '0020,000d'));
      await storescu(hospital, second);
      const viaEnv = await run([...edgeArgs(), '--once', '--settle', '0'], {
        HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
        NO_PROXY: `${hospital.keycloak.host}:${hospital.keycloak.port}`,
      });
      expect(viaEnv.stderr).toBe('');
      expect(JSON.parse(viaEnv.stdout)).toMatchObject({ uploaded: second.length });
      expect(tunnels.slice(before)).toEqual([`127.0.0.1:${platform.port}`]);
    } finally {
      proxy.close();
      for (const u of uids) await deleteFromOrthanc(hospital, u);
    }
  });
});
