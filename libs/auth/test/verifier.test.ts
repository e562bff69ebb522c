import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { loadConfig } from '@mic/config';
import {
  AccessError,
  createTokenVerifier,
  internalIssuerUrl,
  issuerUrl,
  realmEndpoints,
  realmRoles,
  requireSocietyRole,
  verifyBearer,
  type MicClaims,
} from '../src/index.js';

// The verifier fetches keys over HTTP, so the test serves a JWKS from memory on loopback (no Keycloak needed).
describe('createTokenVerifier', () => {
  const issuer = 'http://127.0.0.1:1/realms/test';
  let server: Server;
  let jwksUri: string;
  let key: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sign = (claims: Record<string, unknown>, opts: { with?: CryptoKey; iss?: string; exp?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(opts.iss ?? issuer)
      .setAudience('mic-api')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.with ?? key);

  it('accepts a token signed by the realm key and returns its claims', async () => {
    const verify = createTokenVerifier({ issuer, audience: 'mic-api', jwksUri });
    const claims = await verify(await sign({ society: 'A', realm_access: { roles: ['society-member'] } }));
    expect(claims.society).toBe('A');
    expect(realmRoles(claims)).toEqual(['society-member']);
    expect(realmRoles({})).toEqual([]);
  });

  it('rejects another key, another issuer, another audience and an expired token', async () => {
    const verify = createTokenVerifier({ issuer, audience: 'mic-api', jwksUri });
    await expect(verify(await sign({}, { with: otherKey }))).rejects.toThrow(/signature/);
    await expect(verify(await sign({}, { iss: 'http://evil/realms/test' }))).rejects.toThrow(/iss/);
    const strict = createTokenVerifier({ issuer, audience: 'other-api', jwksUri });
    await expect(strict(await sign({}))).rejects.toThrow(/aud/);
    await expect(verify(await sign({}, { exp: '-10s' }))).rejects.toThrow(/exp/);
  });

  it('answers 401 for a missing, malformed or bad bearer token and 503 when the key set cannot be fetched', async () => {
    const verify = createTokenVerifier({ issuer, audience: 'mic-api', jwksUri });
    const status = (header: string | undefined, v = verify) =>
      verifyBearer(v, header).then(
        () => 200,
        (err: AccessError) => err.status,
      );
    expect(await status(undefined)).toBe(401);
    expect(await status('Basic dXNlcjpwdw==')).toBe(401);
    expect(await status('Bearer not-a-jwt')).toBe(401);
    expect(await status(`Bearer ${await sign({}, { with: otherKey })}`)).toBe(401);
    expect(await status(`Bearer ${await sign({}, { exp: '-10s' })}`)).toBe(401);
    expect(await status(`Bearer ${await sign({})}`)).toBe(200);
    const unreachable = createTokenVerifier({ issuer, audience: 'mic-api', jwksUri: 'http://127.0.0.1:1/certs' });
    expect(await status(`Bearer ${await sign({})}`, unreachable)).toBe(503);
  });

  it('answers 403 for a token without the role, without a society or of another society', async () => {
    const member = { preferred_username: 'm', realm_access: { roles: ['society-member'] } };
    const check = (claims: MicClaims) => {
      try {
        requireSocietyRole(claims, 'society-member', 'A');
        return 200;
      } catch (err) {
        return [(err as AccessError).status, (err as Error).message];
      }
    };
    expect(check({ ...member, society: 'A' })).toBe(200);
    expect(check({ ...member, society: 'B' })).toEqual([403, 'm belongs to society B, this endpoint serves society A']);
    expect(check(member)).toEqual([403, 'm belongs to no society']);
    expect(check({ preferred_username: 'r', realm_access: { roles: ['researcher'] }, society: 'A' })).toEqual([
      403,
      'r lacks the role society-member',
    ]);
  });
});

describe('realm addresses', () => {
  it('derive the issuer and Keycloak endpoints from the config', () => {
    const config = loadConfig({ env: { HOME: '/h', MIC_KEYCLOAK_PORT: '28180' } });
    const issuer = issuerUrl(config);
    expect(issuer).toBe('http://127.0.0.1:28180/realms/mic');
    expect(realmEndpoints(issuer).jwks).toBe(`${issuer}/protocol/openid-connect/certs`);
    expect(realmEndpoints(issuer).discovery).toBe(`${issuer}/.well-known/openid-configuration`);
  });

  it('use the public address as issuer when Keycloak is published under one, and host:port for the keys', () => {
    const config = loadConfig({ env: { HOME: '/h', MIC_KEYCLOAK_PUBLIC_URL: 'https://id.example.org/' } });
    expect(issuerUrl(config)).toBe('https://id.example.org/realms/mic');
    expect(internalIssuerUrl(config)).toBe('http://127.0.0.1:18180/realms/mic');
  });
});
