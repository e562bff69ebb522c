import { AccessError, isEdgeClient, realmRoles, type MicClaims } from '@mic/auth';

/** What a caller may read: one society's studies, or (society null) every society's de-identified studies. */
export interface Scope {
  who: string;
  roles: string[];
  society: string | null;
  /** A society's edge: only the series it uploaded itself, and their results. */
  uploadsOnly?: boolean;
}

/** The service client trusted to upload for a society (the config's ingest.uploadClient and ingest.society). */
export interface EdgeClient {
  clientId: string;
  society: string;
}

/**
 * Read access follows the realm roles: `admin` and `researcher` read the whole national (de-identified) database,
 * a `society-member` reads the studies of the society in its token, and the society's edge client (`edge`) reads the
 * results of what it uploaded itself. Any other token is refused.
 */
export function readScope(claims: MicClaims, edge?: EdgeClient): Scope {
  const roles = realmRoles(claims);
  const who = claims.preferred_username ?? claims.sub ?? 'token';
  if (roles.includes('admin') || roles.includes('researcher')) return { who, roles, society: null };
  if (edge && isEdgeClient(claims, edge.clientId)) return { who, roles, society: edge.society, uploadsOnly: true };
  if (roles.includes('society-member')) {
    if (!claims.society) throw new AccessError(403, `${who} belongs to no society`);
    return { who, roles, society: claims.society };
  }
  throw new AccessError(403, `${who} has none of the roles admin, researcher or society-member`);
}

/** Whether the scope covers a study of `society`. Out-of-scope studies are answered 404, so their ids leak nothing. */
export function covers(scope: Scope, society: string): boolean {
  return scope.society === null || scope.society === society;
}

/** The society filter of a listing: a member may name only its own society. */
export function societyFilter(scope: Scope, asked: string | null): string | null {
  if (scope.society === null) return asked;
  if (asked !== null && asked !== scope.society)
    throw new AccessError(403, `${scope.who} may read society ${scope.society} only, not ${asked}`);
  return scope.society;
}
