import { describe, expect, it } from '@jest/globals';
import { AccessError } from '@mic/auth';
import {
  covers,
  csvCell,
  csvLine,
  headline,
  match,
  openapi,
  readScope,
  routes,
  securityHeaders,
  societyFilter,
  viewerConfig,
} from '@mic/api';

const claims = (roles: string[], extra: Record<string, unknown> = {}) => ({
  preferred_username: 'u',
  realm_access: { roles },
  ...extra,
});

describe('read scope', () => {
  it('gives admins and researchers every society, members their own', () => {
    expect(readScope(claims(['researcher'])).society).toBeNull();
    expect(readScope(claims(['admin', 'society-member'], { society: 'A' })).society).toBeNull();
    expect(readScope(claims(['society-member'], { society: 'B' })).society).toBe('B');
  });

  it('refuses tokens without a read role, and members without a society', () => {
    expect(() => readScope(claims(['pacs-service']))).toThrow(AccessError);
    expect(() => readScope(claims([]))).toThrow(/none of the roles/);
    expect(() => readScope(claims(['society-member']))).toThrow(/no society/);
    try {
      readScope(claims(['pacs-service']));
    } catch (err) {
      expect((err as AccessError).status).toBe(403);
    }
  });

  it("gives a society's edge client that society, for its own uploads only", () => {
    const edge = { clientId: 'mic-pacs', society: 'A' };
    const service = claims(['pacs-service'], { azp: 'mic-pacs' });
    expect(readScope(service, edge)).toMatchObject({ society: 'A', uploadsOnly: true });
    expect(() => readScope(service)).toThrow(/none of the roles/);
    expect(() => readScope(service, { clientId: '', society: 'A' })).toThrow(AccessError);
    expect(() => readScope(claims(['pacs-service'], { azp: 'other' }), edge)).toThrow(AccessError);
    expect(() => readScope(claims(['offline_access'], { azp: 'mic-pacs' }), edge)).toThrow(AccessError);
    expect(readScope(claims(['society-member'], { society: 'B', azp: 'mic-web' }), edge).uploadsOnly).toBeUndefined();
    const edgeRoutes = routes.filter((r) => r.edge).map((r) => r.name);
    expect(edgeRoutes.sort()).toEqual(['analysis', 'file', 'me', 'series']);
  });

  it('keeps a member to its society', () => {
    const member = readScope(claims(['society-member'], { society: 'A' }));
    expect(covers(member, 'A')).toBe(true);
    expect(covers(member, 'B')).toBe(false);
    expect(societyFilter(member, null)).toBe('A');
    expect(societyFilter(member, 'A')).toBe('A');
    expect(() => societyFilter(member, 'B')).toThrow(/society A only/);
    const researcher = readScope(claims(['researcher']));
    expect(covers(researcher, 'B')).toBe(true);
    expect(societyFilter(researcher, null)).toBeNull();
    expect(societyFilter(researcher, 'B')).toBe('B');
  });
});

describe('routes', () => {
  it('match paths with decoded parameters and nothing else', () => {
    expect(match('/api/v1/studies')?.route.name).toBe('studies');
    expect(match('/api/v1/studies/12')).toMatchObject({ route: { name: 'study' }, params: { id: '12' } });
    expect(match('/api/v1/analyses/3/files/axial.png')).toMatchObject({
      route: { name: 'file' },
      params: { id: '3', name: 'axial.png' },
    });
    expect(match('/api/v1/analyses/3/files/a%20b.png')?.params.name).toBe('a b.png');
    expect(match('/api/v1/studies/1/2')).toBeUndefined();
    expect(match('/api/v1/studies/1/series/2')).toMatchObject({
      route: { name: 'series' },
      params: { id: '1', seriesId: '2' },
    });
    expect(match('/api/v1/export/resultsXcsv')).toBeUndefined();
    expect(() => match('/api/v1/studies/%E0%A4%A')).toThrow(/percent-encoding/);
  });

  it('are all described in the OpenAPI document, and it describes no other path', () => {
    expect(Object.keys(openapi.paths).sort()).toEqual(routes.map((r) => r.path).sort());
    for (const route of routes) {
      const op = (
        openapi.paths as Record<
          string,
          { get: { responses: Record<string, unknown>; parameters?: { name: string; in: string }[] } }
        >
      )[route.path].get;
      expect(op.responses['401']).toBeDefined();
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
    }
  });
});

describe('report headline and CSV', () => {
  const report = {
    lung: { right: { volumeMl: 2363.19 }, left: { volumeMl: 2044.57 } },
    lesions: { ggo: { volumeMl: 312.42 }, consolidation: { volumeMl: 43.94 } },
    involvement: { percent: 8.08, right: { percent: 7.54 }, left: { percent: 8.72 } },
    severity: { total: 11, max: 30, mosmed: 'CT-1' },
    typicality: { category: 'typical', reasons: ['bilateral', 'peripheral'] },
  };

  it('reads the key numbers of a report, null where absent', () => {
    expect(headline(report)).toEqual({
      category: 'typical',
      involvementPercent: 8.08,
      rightInvolvementPercent: 7.54,
      leftInvolvementPercent: 8.72,
      rightLungMl: 2363.19,
      leftLungMl: 2044.57,
      ggoMl: 312.42,
      consolidationMl: 43.94,
      severityTotal: 11,
      severityMax: 30,
      ctBand: 'CT-1',
      reasons: ['bilateral', 'peripheral'],
    });
    expect(headline(null)).toBeNull();
    expect(headline({ lung: 'odd', typicality: { reasons: 'x' } })).toMatchObject({ rightLungMl: null, reasons: [] });
  });

  it('quotes CSV cells and defuses spreadsheet formulas in text but not in numbers', () => {
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "x"')).toBe('"say ""x"""');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvLine([1, 'x'])).toBe('1,x\r\n');
  });
});

describe('viewer', () => {
  it('gets the realm endpoints a browser signs in with', () => {
    expect(viewerConfig('http://127.0.0.1:18180/realms/mic', 'mic-web')).toEqual({
      issuer: 'http://127.0.0.1:18180/realms/mic',
      clientId: 'mic-web',
      authorizationEndpoint: 'http://127.0.0.1:18180/realms/mic/protocol/openid-connect/auth',
      tokenEndpoint: 'http://127.0.0.1:18180/realms/mic/protocol/openid-connect/token',
      endSessionEndpoint: 'http://127.0.0.1:18180/realms/mic/protocol/openid-connect/logout',
      scope: 'openid',
    });
  });

  it('allows scripts from its own origin only and fetches to the issuer', () => {
    const csp = securityHeaders('https://id.example.org/realms/mic')['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://id.example.org;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
  });
});
