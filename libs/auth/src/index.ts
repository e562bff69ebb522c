import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Config } from '@mic/config';

/** The claims mic relies on in a Keycloak access token. */
export interface MicClaims extends JWTPayload {
  preferred_username?: string;
  realm_access?: { roles?: string[] };
  society?: string;
  azp?: string;
}

/** The realm's issuer URL, as Keycloak writes it into the `iss` claim (its public address when one is set). */
export function issuerUrl(config: Config): string {
  const { publicUrl, realm } = config.keycloak;
  if (publicUrl) return `${publicUrl.replace(/\/+$/, '')}/realms/${encodeURIComponent(realm)}`;
  return internalIssuerUrl(config);
}

/** The realm as the services reach it (host:port), where they fetch its keys. */
export function internalIssuerUrl(config: Config): string {
  const { host, port, realm } = config.keycloak;
  return `http://${host}:${port}/realms/${encodeURIComponent(realm)}`;
}

/** A verifier for the configured realm: tokens issued under its public address, keys fetched from host:port. */
export function configuredVerifier(config: Config): TokenVerifier {
  return createTokenVerifier({
    issuer: issuerUrl(config),
    audience: config.keycloak.audience,
    jwksUri: realmEndpoints(internalIssuerUrl(config)).jwks,
  });
}

/** The realm's OpenID Connect endpoints (Keycloak layout). */
export function realmEndpoints(issuer: string): { token: string; jwks: string; discovery: string } {
  return {
    token: `${issuer}/protocol/openid-connect/token`,
    jwks: `${issuer}/protocol/openid-connect/certs`,
    discovery: `${issuer}/.well-known/openid-configuration`,
  };
}

/** Fetches and checks the realm's discovery document: its issuer must be the expected one. */
export async function fetchDiscovery(issuer: string, timeoutMs = 3000): Promise<{ issuer: string; jwks_uri: string }> {
  const res = await fetch(realmEndpoints(issuer).discovery, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`discovery answered HTTP ${res.status}`);
  const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
  if (doc.issuer !== issuer) throw new Error(`discovery issuer is ${doc.issuer}, expected ${issuer}`);
  if (!doc.jwks_uri) throw new Error('discovery has no jwks_uri');
  return { issuer: doc.issuer, jwks_uri: doc.jwks_uri };
}

export type TokenVerifier = (token: string) => Promise<MicClaims>;

/** Verifies access tokens: signature against the realm JWKS (fetched and cached by jose), issuer and audience. */
export function createTokenVerifier(options: { issuer: string; audience: string; jwksUri?: string }): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri ?? realmEndpoints(options.issuer).jwks));
  return async (token) => {
    const { payload } = await jwtVerify<MicClaims>(token, jwks, {
      issuer: options.issuer,
      audience: options.audience,
    });
    return payload;
  };
}

/** Realm roles carried by a verified token. */
export function realmRoles(claims: MicClaims): string[] {
  return claims.realm_access?.roles ?? [];
}

/** The realm role of a society's edge: the service client at the hospital that uploads for it. */
export const EDGE_ROLE = 'pacs-service';

/** Whether the token is the named edge client's (`clientId` empty: no edge is trusted). */
export function isEdgeClient(claims: MicClaims, clientId: string): boolean {
  return clientId !== '' && claims.azp === clientId && realmRoles(claims).includes(EDGE_ROLE);
}
export * from './bearer.js';
