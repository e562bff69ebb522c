import { loadConfig } from '@mic/config';
import { realmEndpoints, issuerUrl } from '@mic/auth';
import { probeAll, type ServiceName } from '../../../cli/src/stack/probes.js';

/** The same config the CLI uses (MIC_* variables, MIC_CONFIG_FILE). */
export const config = loadConfig();

/** Fails loudly, with the fix, when a server of the local stack does not answer. */
export async function requireService(name: ServiceName): Promise<void> {
  const status = (await probeAll(config))[name];
  if (!status.healthy) {
    throw new Error(`${name} is not reachable at ${status.url} (${status.detail}): run \`npx mic stack up\` first`);
  }
}

/** Dev-realm test users (infra/keycloak/realm.json; documented in docs/operations.md). */
export const users = {
  memberA: { username: 'member-a', password: 'member-a-local-pw' },
  memberB: { username: 'member-b', password: 'member-b-local-pw' },
  researcher: { username: 'researcher', password: 'researcher-local-pw' },
};

export interface TokenResponse {
  status: number;
  body: { access_token?: string; id_token?: string; error?: string; error_description?: string };
}

/** Resource-owner password grant through the dev realm's `mic-cli` client. */
export async function passwordGrant(username: string, password: string): Promise<TokenResponse> {
  return tokenRequest({ grant_type: 'password', client_id: 'mic-cli', username, password, scope: 'openid' });
}

/** An access token of `user` (member-a by default), fetched again when near its expiry. */
export async function accessToken(user = users.memberA): Promise<string> {
  const cached = tokens.get(user.username);
  if (cached && cached.until > Date.now()) return cached.token;
  const { status, body } = await passwordGrant(user.username, user.password);
  if (status !== 200 || !body.access_token)
    throw new Error(`no token for ${user.username}: HTTP ${status} ${body.error_description ?? body.error ?? ''}`);
  tokens.set(user.username, { token: body.access_token, until: Date.now() + 60_000 });
  return body.access_token;
}
const tokens = new Map<string, { token: string; until: number }>();

export async function tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
  const res = await fetch(realmEndpoints(issuerUrl(config)).token, {
    method: 'POST',
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as TokenResponse['body'] };
}
