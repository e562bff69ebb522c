// OAuth 2.0 authorization code with PKCE (RFC 7636) for the viewer; runs in browsers and in Node 20 (Web Crypto).

/** base64url without padding. */
export function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random URL-safe string of `bytes` random bytes (verifier, state, nonce). */
export function randomString(bytes = 32) {
  return base64url(globalThis.crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier. */
export async function challengeS256(verifier) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The authorization request URL a browser is sent to. */
export function authorizeUrl(config, { redirectUri, state, nonce, challenge }) {
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri,
    scope: config.scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** The form body that trades an authorization code for tokens. */
export function codeGrant(config, { code, redirectUri, verifier }) {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: config.clientId,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

/** The form body that renews tokens. */
export function refreshGrant(config, refreshToken) {
  return new URLSearchParams({ grant_type: 'refresh_token', client_id: config.clientId, refresh_token: refreshToken });
}
