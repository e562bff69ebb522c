import { realmRoles, type MicClaims, type TokenVerifier } from './index.js';

/** Why a request is refused: 401 no or bad token, 403 a good token without the right, 503 issuer unreachable. */
export class AccessError extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    message: string,
  ) {
    super(message);
  }
}

const ISSUER_ERRORS = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/** Verifies `Authorization: Bearer <token>`; throws AccessError with the status to answer. */
export async function verifyBearer(verify: TokenVerifier, header: string | undefined): Promise<MicClaims> {
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header ?? '');
  if (!m) throw new AccessError(401, header ? 'Authorization is not a Bearer token' : 'no bearer token');
  try {
    return await verify(m[1]);
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    // jose's errors about the token are the caller's; a key set that cannot be fetched or read is the issuer's.
    if (code.startsWith('ERR_') && !ISSUER_ERRORS.has(code))
      throw new AccessError(401, `invalid token: ${(err as Error).message}`);
    throw new AccessError(503, `token issuer not reachable: ${(err as Error).message}`);
  }
}

/** A verified token must carry `role` and, for society-scoped work, belong to `society`. */
export function requireSocietyRole(claims: MicClaims, role: string, society: string): void {
  const who = claims.preferred_username ?? claims.sub ?? 'token';
  if (!realmRoles(claims).includes(role)) throw new AccessError(403, `${who} lacks the role ${role}`);
  if (!claims.society) throw new AccessError(403, `${who} belongs to no society`);
  if (claims.society !== society)
    throw new AccessError(403, `${who} belongs to society ${claims.society}, this endpoint serves society ${society}`);
}
