import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startApi, type ApiService } from '@mic/api';
import {
  createCatalogPool,
  finishAnalysis,
  migrate,
  recordAnalysis,
  saveArtifact,
  upsertSeries,
  upsertStudy,
  type Pool,
} from '@mic/catalog';
import { loadConfig } from '@mic/config';
import { createS3Client, ensureBucket } from '@mic/storage';
import { authorizeUrl, challengeS256, codeGrant, randomString } from '../../services/api/web/pkce.js';
import { accessToken, requireService, tokenRequest, users } from './support/stack.js';
import { freePort, isolatedConfig } from './support/ingest.js';

jest.setTimeout(120_000);

const config = await isolatedConfig({ api: { port: await freePort() } });
const s3 = createS3Client(config);
const tag = randomBytes(4).toString('hex');
const picture = readFileSync(new URL('../../docs/images/analysis-ricord-axial.png', import.meta.url));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function report(category: string, involvement: number, [right, left] = [7.54, 8.72]) {
  return {
    lung: { right: { volumeMl: 2363.19 }, left: { volumeMl: 2044.57 } },
    lesions: { ggo: { volumeMl: 312.42 }, consolidation: { volumeMl: 43.94 } },
    involvement: { percent: involvement, right: { percent: right }, left: { percent: left } },
    severity: { total: 11, max: 30, mosmed: 'CT-1' },
    typicality: { category, reasons: ['bilateral (right 7.5 %, left 8.7 %)', 'peripheral'] },
    warnings: [],
  };
}

/** A study with one series and (unless `category` is null) a finished analysis whose files are in the store. */
async function seedStudy(
  pool: Pool,
  society: string,
  n: number,
  category: string | null,
  involvement = 8.08,
  more: { patient?: string; studyDate?: string | null; sides?: [number, number] } = {},
) {
  const study = await upsertStudy(pool, {
    society,
    patientPseudonym: more.patient ?? `P-${society}-${n}`,
    studyUid: `2.25.${tag.length}${n}${Date.now()}`,
    source: 'stow',
    studyDate: more.studyDate === undefined ? '20200317' : more.studyDate,
    description: 'CT chest',
  });
  const seriesId = await upsertSeries(pool, {
    studyId: study.id,
    seriesUid: `2.25.9${n}${Date.now()}`,
    modality: 'CT',
    description: '=cmd|calc',
  });
  if (category === null) return { studyId: study.id };
  const analysis = await recordAnalysis(pool, {
    seriesId,
    analysisVersion: '1.0.0',
    revision: 1,
    jobId: `it-api-${tag}-${society}-${n}`,
    lane: 'research',
  });
  const files: Record<string, [Uint8Array, string]> = {
    'axial.png': [picture, 'image/png'],
    'report.json': [Buffer.from(JSON.stringify(report(category, involvement, more.sides))), 'application/json'],
  };
  for (const [name, [bytes, mediaType]] of Object.entries(files)) {
    const key = `it-api-${tag}/${analysis.id}/${name}`;
    await s3.putObject(config.s3.bucket, key, Buffer.from(bytes), bytes.length, { 'Content-Type': mediaType });
    await saveArtifact(pool, {
      analysisId: analysis.id,
      kind: name.split('.')[0],
      objectKey: key,
      sha256: sha256(bytes),
      mediaType,
    });
  }
  const finished = { report: report(category, involvement, more.sides) };
  await finishAnalysis(pool, analysis.id, finished, { analysis: '1.0.0' });
  return { studyId: study.id, analysisId: analysis.id };
}

/** The browser's sign-in, done by hand: the realm's login form, the redirect with a code, the PKCE exchange. */
async function browserSignIn(viewer: Record<string, string>, username: string, password: string): Promise<string> {
  const redirectUri = 'http://127.0.0.1:18300/';
  const verifier = randomString();
  const state = randomString(16);
  const start = authorizeUrl(viewer, {
    redirectUri,
    state,
    nonce: randomString(16),
    challenge: await challengeS256(verifier),
  });
  const page = await fetch(start);
  expect(page.status).toBe(200);
  const cookies = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/
    .exec(await page.text())?.[1]
    .replace(/&amp;/g, '&');
  if (!action) throw new Error('no login form on the realm page');
  const login = await fetch(action, {
    method: 'POST',
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, credentialId: '' }),
    redirect: 'manual',
  });
  expect(login.status).toBe(302);
  const back = new URL(login.headers.get('location') ?? '');
  expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
  expect(back.searchParams.get('state')).toBe(state);
  const token = await fetch(viewer.tokenEndpoint, {
    method: 'POST',
    body: codeGrant(viewer, { code: back.searchParams.get('code') ?? '', redirectUri, verifier }),
  });
  const body = (await token.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`code exchange failed: ${body.error_description}`);
  return body.access_token;
}

describe('query API and viewer on the local stack', () => {
  let pool: Pool;
  let api: ApiService;
  let base: string;
  const seeded: Record<string, { studyId: number; analysisId?: number }> = {};

  beforeAll(async () => {
    for (const s of ['postgres', 's3', 'keycloak'] as const) await requireService(s);
    pool = createCatalogPool(config);
    await migrate(pool, config.catalog.schema);
    await ensureBucket(s3, config.s3.bucket, config.s3.region);
    seeded.a1 = await seedStudy(pool, 'A', 1, 'typical');
    seeded.a2 = await seedStudy(pool, 'A', 2, null);
    seeded.b1 = await seedStudy(pool, 'B', 3, 'negative');
    api = await startApi(config);
    await api.ready;
    base = `http://127.0.0.1:${api.port}`;
  });

  afterAll(async () => {
    await api?.stop();
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
  });

  const get = async (path: string, token?: string) =>
    fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const json = async (path: string, token?: string) => {
    const res = await get(path, token);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } };
  };

  it('refuses calls without a valid token, and tokens without a read role', async () => {
    const none = await get('/api/v1/studies');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect((await json('/api/v1/studies', 'not.a.token')).status).toBe(401);
    const forged = (await accessToken(users.memberA)).slice(0, -4) + 'AAAA';
    expect((await json('/api/v1/studies', forged)).status).toBe(401);
    const service = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: 'mic-pacs',
      client_secret: 'mic-pacs-local-secret',
    });
    const refused = await json('/api/v1/studies', service.body.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/none of the roles/);
  });

  it("keeps a society member to its own society's studies", async () => {
    const token = await accessToken(users.memberA);
    expect((await json('/api/v1/me', token)).body).toMatchObject({ user: 'member-a', society: 'A', scope: 'A' });
    const list = await json('/api/v1/studies', token);
    expect(list.status).toBe(200);
    const studies = list.body.studies as {
      id: number;
      society: string;
      analysis: { headline: { category: string } } | null;
    }[];
    expect(list.body.total).toBe(2);
    expect(studies.map((s) => s.id).sort()).toEqual([seeded.a1.studyId, seeded.a2.studyId].sort());
    expect(studies.find((s) => s.id === seeded.a1.studyId)?.analysis?.headline.category).toBe('typical');
    expect(studies.find((s) => s.id === seeded.a2.studyId)?.analysis).toBeNull();
    expect((await json('/api/v1/studies?category=typical', token)).body.total).toBe(1);
    // a1's analysis found 8.08 %; a2 has none, so no involvement filter takes it
    expect((await json('/api/v1/studies?minInvolvement=8', token)).body.total).toBe(1);
    expect((await json('/api/v1/studies?minInvolvement=8.5', token)).body.total).toBe(0);
    expect((await json('/api/v1/studies?maxInvolvement=8.08', token)).body.total).toBe(0);
    expect((await json('/api/v1/studies?minInvolvement=0&maxInvolvement=9', token)).body.total).toBe(1);
    expect((await json('/api/v1/studies?minInvolvement=150', token)).status).toBe(400);
    const unknown = await json('/api/v1/studies?category=probable', token);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/category must be one of typical/);
    // Paging: newest first, the total counts the whole scope, not the page.
    const second = await json('/api/v1/studies?limit=1&offset=1', token);
    expect(second.body.total).toBe(2);
    expect((second.body.studies as { id: number }[]).map((s) => s.id)).toEqual([
      Math.min(seeded.a1.studyId, seeded.a2.studyId),
    ]);
    expect((await json('/api/v1/studies?society=B', token)).status).toBe(403);
    expect((await json(`/api/v1/studies/${seeded.b1.studyId}`, token)).status).toBe(404);
    expect((await json(`/api/v1/analyses/${seeded.b1.analysisId}`, token)).status).toBe(404);
    expect((await get(`/api/v1/analyses/${seeded.b1.analysisId}/files/axial.png`, token)).status).toBe(404);
    expect((await json('/api/v1/studies?limit=0', token)).status).toBe(400);
  });

  it('gives researchers every society, with reports and files', async () => {
    const token = await accessToken(users.researcher);
    const list = await json('/api/v1/studies?limit=10', token);
    expect(list.body.total).toBe(3);
    const study = await json(`/api/v1/studies/${seeded.b1.studyId}`, token);
    expect(study.status).toBe(200);
    const [analysis] = study.body.analyses as {
      id: number;
      report: { typicality: { category: string } };
      artifacts: { name: string; href: string; sha256: string }[];
    }[];
    expect(analysis.id).toBe(seeded.b1.analysisId);
    expect(analysis.report.typicality.category).toBe('negative');
    const png = analysis.artifacts.find((f) => f.name === 'axial.png');
    expect(png?.sha256).toBe(sha256(picture));
    const file = await get(png?.href ?? '', token);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('etag')).toBe(`"${sha256(picture)}"`);
    expect(sha256(new Uint8Array(await file.arrayBuffer()))).toBe(sha256(picture));
    expect((await get(`/api/v1/analyses/${seeded.b1.analysisId}/files/nothing.bin`, token)).status).toBe(404);
  });

  it('exports the finished analyses in scope as CSV, formulas defused', async () => {
    const member = await get('/api/v1/export/results.csv', await accessToken(users.memberA));
    expect(member.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await member.text()).trim().split('\r\n');
    expect(lines[0].split(',').slice(0, 3)).toEqual(['study_id', 'society', 'patient']);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^${seeded.a1.studyId},A,P-A-1,`));
    expect(lines[1]).toContain(',8.08,');
    expect(lines[0].split(',')).toContain('series_description');
    expect(lines[1]).toContain(",'=cmd|calc,");
    const all = await (await get('/api/v1/export/results.csv', await accessToken(users.researcher))).text();
    expect(all.trim().split('\r\n')).toHaveLength(3);
  });

  it('audits every read with the reader', async () => {
    const { rows } = await pool.query(`SELECT actor, action, study_id FROM audit WHERE actor LIKE 'user:%'`);
    const seen = new Set(rows.map((r) => `${r.actor} ${r.action}`));
    expect(seen).toContain('user:member-a api.studies.list');
    expect(seen).toContain('user:member-a api.export');
    expect(seen).toContain('user:researcher api.study.read');
    expect(seen).toContain('user:researcher api.file.read');
    // Refused reads leave no entry naming the study they asked for.
    expect(rows.filter((r) => r.actor === 'user:member-a' && Number(r.study_id) === seeded.b1.studyId)).toHaveLength(0);
  });

  it('answers 502 for a catalogued file missing from the store, and keeps serving', async () => {
    const token = await accessToken(users.researcher);
    await s3.removeObject(config.s3.bucket, `it-api-${tag}/${seeded.a1.analysisId}/axial.png`);
    const gone = await json(`/api/v1/analyses/${seeded.a1.analysisId}/files/axial.png`, token);
    expect(gone.status).toBe(502);
    expect(gone.body.error).toMatch(/missing from the object store/);
    expect((await json('/api/v1/me', token)).status).toBe(200);
  });

  it('answers 503 with the reason when the store or the catalogue is away, and keeps serving', async () => {
    const token = await accessToken(users.researcher);
    const closed = await freePort();
    const broken = async (overrides: Record<string, Record<string, unknown>>): Promise<ApiService> =>
      startApi(
        loadConfig({
          overrides: { ...overrides, api: { port: await freePort() }, catalog: config.catalog, logLevel: 'fatal' },
        }),
      );
    const noStore: ApiService = await broken({ s3: { ...config.s3, port: closed } });
    try {
      await noStore.ready;
      const at = `http://127.0.0.1:${noStore.port}`;
      const file = await fetch(`${at}/api/v1/analyses/${seeded.b1.analysisId}/files/axial.png`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(file.status).toBe(503);
      expect(file.headers.get('retry-after')).toBe('5');
      expect(((await file.json()) as { error: string }).error).toMatch(/not reachable/);
      const list = await fetch(`${at}/api/v1/studies`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(200);
      expect((await fetch(`${at}/readyz`)).status).toBe(503);
    } finally {
      await noStore.stop();
    }
    const noCatalog: ApiService = await broken({ postgres: { ...config.postgres, port: closed } });
    try {
      const at = `http://127.0.0.1:${noCatalog.port}`;
      const list = await fetch(`${at}/api/v1/studies`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(503);
      expect((await fetch(`${at}/healthz`)).status).toBe(200);
    } finally {
      await noCatalog.stop();
    }
  });

  it('limits requests per user with 429 and Retry-After, other users unaffected', async () => {
    const limited = await startApi(
      loadConfig({
        overrides: {
          api: { port: await freePort(), rateLimitPerSecond: 0.1, rateLimitBurst: 2 },
          catalog: config.catalog,
          logLevel: 'fatal',
        },
      }),
    );
    try {
      await limited.ready;
      const at = (token: string) =>
        fetch(`http://127.0.0.1:${limited.port}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      const member = await accessToken(users.memberB);
      expect([(await at(member)).status, (await at(member)).status]).toEqual([200, 200]);
      const refused = await at(member);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(((await refused.json()) as { error: string }).error).toMatch(/member-b: too many requests/);
      expect((await at(await accessToken(users.researcher))).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('serves the OpenAPI document and refuses writes', async () => {
    const doc = await json('/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths as object)).toContain('/api/v1/studies/{id}');
    const post = await fetch(`${base}/api/v1/studies`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('serves the viewer, whose sign-in with the realm gives a token the API accepts', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/viewer.js">');
    expect((await get('/viewer.js')).headers.get('content-type')).toMatch(/^text\/javascript/);
    const viewer = (await json('/config.json')).body as Record<string, string>;
    expect(viewer.clientId).toBe('mic-web');
    const token = await browserSignIn(viewer, users.memberB.username, users.memberB.password);
    const me = await json('/api/v1/me', token);
    expect(me.body).toMatchObject({ user: 'member-b', society: 'B' });
    const list = await json('/api/v1/studies', token);
    expect((list.body.studies as { id: number }[]).map((s) => s.id)).toEqual([seeded.b1.studyId]);
  });

  // Last: it adds studies the counts above do not expect.
  it('answers statistics over the findings with small groups hidden', async () => {
    for (let n = 20; n < 26; n++) await seedStudy(pool, 'A', n, 'typical');
    await seedStudy(pool, 'A', 26, 'atypical', 30);
    for (let n = 30; n < 35; n++) await seedStudy(pool, 'B', n, 'negative', 0.5);
    // Now A: typical 7 patients, atypical 1; B: negative 6 (each study its own patient).
    type Group = { key: Record<string, string>; suppressed: boolean; reason?: string; patients?: number };
    const groups = (body: Record<string, unknown>) => body.groups as Group[];
    const researcher = await accessToken(users.researcher);
    const byCategory = await json('/api/v1/stats?by=category', researcher);
    expect(byCategory.status).toBe(200);
    expect(byCategory.body).toMatchObject({ minCellSize: 5, by: ['category'], total: { patients: 14, analyses: 14 } });
    const shown = Object.fromEntries(groups(byCategory.body).map((g) => [g.key.category, g]));
    expect(shown.typical).toMatchObject({ suppressed: false, patients: 7, involvementMean: 8.08 });
    expect(shown.atypical).toEqual({ key: { category: 'atypical' }, suppressed: true, reason: 'small' });
    expect(shown.negative).toMatchObject({ suppressed: true, reason: 'complementary' });
    expect(shown.negative).not.toHaveProperty('patients');

    const bySociety = await json('/api/v1/stats?by=society&maxInvolvement=10', researcher);
    expect(groups(bySociety.body).map((g) => [g.key.society, g.patients])).toEqual([
      ['A', 7],
      ['B', 6],
    ]);

    const member = await accessToken(users.memberA);
    const own = await json('/api/v1/stats?by=category', member);
    expect(own.body.total).toMatchObject({ patients: 8 });
    // One small group of two: the other is hidden too, or the total would give it away.
    expect(groups(own.body).every((g) => g.suppressed)).toBe(true);
    expect((await json('/api/v1/stats?society=B', member)).status).toBe(403);
    expect((await json('/api/v1/stats?by=age', researcher)).status).toBe(400);
    expect((await json('/api/v1/stats?minInvolvement=200', researcher)).status).toBe(400);
    const { rows } = await pool.query(`SELECT detail FROM audit WHERE action = 'api.stats' ORDER BY id`);
    expect(rows.length).toBe(3);
    expect(rows[0].detail).toMatchObject({ by: ['category'], hidden: 2 });
  });

  it('reports usage per society, a member its own', async () => {
    // After the statistics test: A holds 9 studies (8 analysed), B 6 (all analysed); no instances were seeded.
    // One file refused, and one of mic's own SEGs seen coming back (recorded as skipped): one quarantined.
    await pool.query(
      `INSERT INTO quarantine (society_id, source, source_ref, reason) VALUES
         ('A', 'stow', 'upload-1/part-3', 'not a DICOM file'), ('A', 'orthanc', 'x/y', 'skipped: SEG written by mic')`,
    );
    const all = await json('/api/v1/usage', await accessToken(users.researcher));
    expect(all.status).toBe(200);
    const societies = all.body.societies as { society: string }[];
    expect(societies.map((x) => x.society)).toEqual(['A', 'B']);
    expect(societies[0]).toMatchObject({
      patients: 9,
      studies: 9,
      instances: 0,
      storedBytes: 0,
      quarantined: 1,
      analyses: { done: 8 },
      recent: { done: 8, failed: 0, turnaroundMedianS: expect.any(Number) },
    });
    expect(societies[1]).toMatchObject({ studies: 6, analyses: { done: 6 } });
    const member = await accessToken(users.memberA);
    const own = await json('/api/v1/usage?days=7', member);
    expect((own.body.societies as { society: string }[]).map((x) => x.society)).toEqual(['A']);
    expect((await json('/api/v1/usage?society=B', member)).status).toBe(403);
    expect((await json('/api/v1/usage?days=0', member)).status).toBe(400);
  });
  it("gives a patient's course: studies oldest first, each follow-up against the one before", async () => {
    // After the usage test, so its counts hold. One patient, three analysed CTs and a fourth without date or result.
    const patient = { patient: 'P-A-course' };
    const first = await seedStudy(pool, 'A', 40, 'typical', 4, { ...patient, studyDate: '20200310', sides: [3, 5] });
    const worse = await seedStudy(pool, 'A', 41, 'typical', 15, { ...patient, studyDate: '20200317', sides: [14, 16] });
    const undated = await seedStudy(pool, 'A', 43, null, 0, { ...patient, studyDate: null });
    const better = await seedStudy(pool, 'A', 42, 'typical', 6, { ...patient, studyDate: '20200331', sides: [5, 7] });
    const member = await accessToken(users.memberA);
    const course = await json(`/api/v1/studies/${worse.studyId}/course`, member);
    expect(course.status).toBe(200);
    const body = course.body as {
      patient: string;
      order: string;
      studies: { id: number; analysis: { headline: { involvementPercent: number } } | null }[];
      changes: { fromStudy: number; toStudy: number; trend: string; intervalDays: number; reasons: string[] }[];
      sincePrior: { toStudy: number } | null;
    };
    expect(body.patient).toBe('P-A-course');
    expect(body.studies.map((x) => x.id)).toEqual([first, worse, better, undated].map((x) => x.studyId));
    expect(body.studies.map((x) => x.analysis?.headline.involvementPercent ?? null)).toEqual([4, 15, 6, null]);
    expect(body.order).toMatch(/without a date last/);
    expect(body.changes.map((c) => [c.fromStudy, c.toStudy, c.trend, c.intervalDays])).toEqual([
      [first.studyId, worse.studyId, 'progression', 7],
      [worse.studyId, better.studyId, 'regression', 14],
    ]);
    expect(body.changes[0].reasons[0]).toBe('involvement 4 % -> 15 % (+11 points; margin 3)');
    expect(body.sincePrior?.toStudy).toBe(worse.studyId);
    // the study list says the same in brief, per row
    const list = await json('/api/v1/studies?limit=500', member);
    const row = (id: number) => (list.body.studies as { id: number; sincePrior: unknown }[]).find((x) => x.id === id);
    expect(row(worse.studyId)?.sincePrior).toEqual({
      priorStudy: first.studyId,
      intervalDays: 7,
      trend: 'progression',
      involvementChange: 11,
      href: `/api/v1/studies/${first.studyId}`,
    });
    expect(row(better.studyId)?.sincePrior).toMatchObject({ priorStudy: worse.studyId, trend: 'regression' });
    expect(row(first.studyId)?.sincePrior).toBeNull();
    expect(row(undated.studyId)?.sincePrior).toBeNull(); // not analysed
    // the first study has nothing before it; a patient with one study has no changes
    expect((await json(`/api/v1/studies/${first.studyId}/course`, member)).body.sincePrior).toBeNull();
    const alone = await json(`/api/v1/studies/${seeded.a1.studyId}/course`, member);
    expect(alone.body).toMatchObject({ changes: [], sincePrior: null });
    // another society's member learns nothing, not even that the study exists
    expect((await json(`/api/v1/studies/${worse.studyId}/course`, await accessToken(users.memberB))).status).toBe(404);
    const { rows } = await pool.query(`SELECT 1 FROM audit WHERE action = 'api.study.course' AND study_id = $1`, [
      worse.studyId,
    ]);
    expect(rows).toHaveLength(1);
  });
  it('exports the follow-ups in scope as CSV: one row per CT against the one before', async () => {
    // after the course test: patient P-A-course has three analysed CTs; every other patient has at most one
    const member = await get('/api/v1/export/course.csv', await accessToken(users.memberA));
    expect(member.status).toBe(200);
    expect(member.headers.get('content-disposition')).toMatch(/mic-course\.csv/);
    const lines = (await member.text()).trim().split('\r\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 7)).toEqual([
      'society',
      'patient',
      'from_study_id',
      'to_study_id',
      'from_date',
      'to_date',
      'interval_days',
    ]);
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    expect(
      rows.map((r) => [r.patient, r.from_date, r.to_date, r.interval_days, r.involvement_change, r.trend]),
    ).toEqual([
      ['P-A-course', '20200310', '20200317', '7', '11', 'progression'],
      ['P-A-course', '20200317', '20200331', '14', '-9', 'regression'],
    ]);
    // the same for a researcher (no other society has a follow-up); nothing for B's member; B's member may not ask for A
    const all = await (await get('/api/v1/export/course.csv', await accessToken(users.researcher))).text();
    expect(all.trim().split('\r\n')).toHaveLength(3);
    const memberB = await accessToken(users.memberB);
    expect((await (await get('/api/v1/export/course.csv', memberB)).text()).trim().split('\r\n')).toHaveLength(1);
    expect((await get('/api/v1/export/course.csv?society=A', memberB)).status).toBe(403);
    const { rows: audited } = await pool.query(`SELECT detail FROM audit WHERE action = 'api.export.course'`);
    expect(audited.map((r) => r.detail.society)).toEqual(['A', null, 'B']);
  });
});
