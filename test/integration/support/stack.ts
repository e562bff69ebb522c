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

export async function tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
  const res = await fetch(realmEndpoints(issuerUrl(config)).token, {
    method: 'POST',
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as TokenResponse['body'] };
}
