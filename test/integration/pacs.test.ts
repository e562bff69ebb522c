import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@mic/config';
import { deleteRemoteNode } from '@mic/pacs';
import { requireService } from './support/stack.js';
import { dcmValue, deleteFromOrthanc, freePort, lidcFiles, waitFor } from './support/ingest.js';
import { freshCopies } from '../e2e/support/worker.js';

jest.setTimeout(120_000);

// A hospital PACS that is not Orthanc: dcmtk's dcmqrscp, holding a LIDC slab under new study and series UIDs.
const root = join(import.meta.dirname, '..', '..');
const config = loadConfig();
const node = `hospital-${process.pid}`;
const files = freshCopies(lidcFiles('LIDC-IDRI-0002'));
const studyUid = dcmValue(files[0], '0020,000d');
const mic = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'mic.js'), ...args], { encoding: 'utf8', timeout: 90_000 });

describe('query and retrieve from a hospital PACS (C-FIND, C-MOVE through Orthanc)', () => {
  let pacs: ChildProcess;
  let port: number;

  beforeAll(async () => {
    await requireService('orthanc');
    port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mic-pacs-'));
    const { aeTitle, host, dicomPort } = config.orthanc;
    writeFileSync(
      join(dir, 'dcmqrscp.cfg'),
      [
        `NetworkTCPPort = ${port}`,
        'MaxPDUSize = 16384',
        'MaxAssociations = 16',
        'HostTable BEGIN',
        `mic = (${aeTitle}, ${host}, ${dicomPort})`,
        'HostTable END',
        'VendorTable BEGIN',
        'VendorTable END',
        'AETable BEGIN',
        `HOSP_PACS ${dir} RW (200, 1024mb) ANY`,
        'AETable END',
        '',
      ].join('\n'),
    );
    pacs = spawn('dcmqrscp', ['-c', join(dir, 'dcmqrscp.cfg')], { stdio: 'ignore' });
    await waitFor('dcmqrscp to answer C-ECHO', 20_000, async () =>
      spawnSync('echoscu', ['-aec', 'HOSP_PACS', '127.0.0.1', String(port)]).status === 0 ? true : undefined,
    );
    execFileSync('storescu', ['-aec', 'HOSP_PACS', '127.0.0.1', String(port), ...files], { stdio: 'pipe' });
    await deleteFromOrthanc(config, studyUid);
  });

  afterAll(async () => {
    pacs?.kill();
    await deleteRemoteNode(config, node).catch(() => false);
    await deleteFromOrthanc(config, studyUid).catch(() => undefined);
  });

  it('registers the PACS, finds the study by patient and date, and moves it into Orthanc', async () => {
    const add = mic('pacs', 'add', node, '--aet', 'HOSP_PACS', '--host', '127.0.0.1', '--port', String(port));
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    const find = mic('pacs', 'find', node, '--patient-id', 'LIDC-IDRI-0002', '--date', '19000101-20991231', '--json');
    expect(find.status).toBe(0);
    const matches = JSON.parse(find.stdout) as { studyInstanceUid: string; patientId: string }[];
    expect(matches).toContainEqual(
      expect.objectContaining({ studyInstanceUid: studyUid, patientId: 'LIDC-IDRI-0002' }),
    );
    const none = mic('pacs', 'find', node, '--patient-id', 'NOBODY', '--json');
    expect(JSON.parse(none.stdout)).toEqual([]);
    const retrieve = mic('pacs', 'retrieve', node, studyUid);
    expect(retrieve.stderr).toBe('');
    expect(retrieve.stdout).toBe(`${studyUid}: ${files.length} instances in Orthanc\n`);
  });

  it('says why when the PACS cannot be reached or the input is wrong, with a non-zero exit', async () => {
    const dead = `${node}-dead`;
    expect(
      mic('pacs', 'add', dead, '--aet', 'DEAD', '--host', '127.0.0.1', '--port', String(await freePort())).status,
    ).toBe(0);
    try {
      const find = mic('pacs', 'find', dead);
      expect(find.status).toBe(1);
      expect(find.stderr).toMatch(/query of .*-dead failed: .*Connection refused/);
      const retrieve = mic('pacs', 'retrieve', dead, '1.2.3');
      expect(retrieve.status).toBe(1);
      expect(retrieve.stderr).toMatch(/1\.2\.3: not retrieved/);
    } finally {
      await deleteRemoteNode(config, dead);
    }
    expect(mic('pacs', 'find', node, '--date', 'yesterday').status).toBe(2);
    expect(mic('pacs', 'add', 'a b', '--aet', 'X', '--host', 'h', '--port', '104').stderr).toMatch(/node name/);
    expect(mic('pacs', 'retrieve', node, 'not-a-uid').stderr).toMatch(/not a UID/);
  });
});
