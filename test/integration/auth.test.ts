import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTokenVerifier, issuerUrl, realmRoles, type TokenVerifier } from '@mic/auth';
import { config, passwordGrant, requireService, tokenRequest, users } from './support/stack.js';

jest.setTimeout(30_000);

describe('Keycloak dev realm', () => {
  let verify: TokenVerifier;

  beforeAll(async () => {
    await requireService('keycloak');
    verify = createTokenVerifier({ issuer: issuerUrl(config), audience: 'mic-api' });
  });

  async function login(user: { username: string; password: string }): Promise<string> {
    const { status, body } = await passwordGrant(user.username, user.password);
    expect(body.error_description ?? '').toBe('');
    expect(status).toBe(200);
    return body.access_token!;
  }

  it('issues member-a a token for the API with role society-member and society A', async () => {
    const claims = await verify(await login(users.memberA));
    expect(claims.iss).toBe(issuerUrl(config));
    expect(claims.preferred_username).toBe('member-a');
    expect(realmRoles(claims)).toContain('society-member');
    expect(claims.society).toBe('A');
  });

  it('gives member-b society B', async () => {
    const claims = await verify(await login(users.memberB));
    expect(realmRoles(claims)).toContain('society-member');
    expect(claims.society).toBe('B');
  });

  it('gives the researcher its role and no society', async () => {
    const claims = await verify(await login(users.researcher));
    expect(realmRoles(claims)).toContain('researcher');
    expect(realmRoles(claims)).not.toContain('society-member');
    expect(claims.society).toBeUndefined();
  });

  it('refuses a wrong password', async () => {
    const { status, body } = await passwordGrant(users.memberA.username, 'wrong-password');
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_grant');
    expect(body.access_token).toBeUndefined();
  });

  it('rejects a token whose signature was tampered with, or that is meant for another audience', async () => {
    const token = await login(users.memberA);
    const [h, p, s] = token.split('.');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    await expect(verify(`${h}.${p}.${flipped}`)).rejects.toThrow(/signature/);
    const other = createTokenVerifier({ issuer: issuerUrl(config), audience: 'some-other-api' });
    await expect(other(token)).rejects.toThrow(/aud/);
  });

  it('lets the PACS service account obtain a pacs-service token for the API', async () => {
    const { status, body } = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: 'mic-pacs',
      client_secret: 'mic-pacs-local-secret',
    });
    expect(status).toBe(200);
    const claims = await verify(body.access_token!);
    expect(realmRoles(claims)).toContain('pacs-service');
  });
});
