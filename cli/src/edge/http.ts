import { ProxyAgent, fetch as undiciFetch } from 'undici';

/** The fetch the edge reaches the platform with (STOW-RS, the token, the API); Orthanc is reached directly. */
export type PlatformFetch = (url: string, init?: RequestInit) => Promise<Response>;

type Env = Record<string, string | undefined>;

/**
 * The proxy the environment names for `url`: HTTPS_PROXY or HTTP_PROXY by the URL's scheme (either case), unless
 * NO_PROXY lists its host (a name, `.domain` or `domain` for the domain and below, `host:port`, or `*`).
 */
export function proxyFor(url: string, env: Env = process.env): string | undefined {
  const u = new URL(url);
  const proxy = u.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy) return undefined;
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  for (const entry of (env.NO_PROXY ?? env.no_proxy ?? '').split(/[,\s]+/).filter(Boolean)) {
    if (entry === '*') return undefined;
    const [name, entryPort] = entry
      .toLowerCase()
      .replace(/^\*?\./, '.')
      .split(/:(?=\d+$)/);
    if (entryPort && entryPort !== port) continue;
    const domain = name.replace(/^\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return undefined;
  }
  return proxy;
}

/**
 * Through `proxy` when given (a hospital's outbound proxy, tunnelled with CONNECT), else through the proxy the
 * environment names for each address (proxyFor; Node's own fetch ignores those variables, and undici's
 * EnvHttpProxyAgent, which reads them, prints an "experimental" warning at every start), else directly.
 */
export function platformFetch(proxy?: string, env: Env = process.env): PlatformFetch {
  const agents = new Map<string, ProxyAgent>();
  const agent = (p: string) => agents.get(p) ?? agents.set(p, new ProxyAgent(p)).get(p)!;
  return (url, init = {}) => {
    const through = proxy ?? proxyFor(url, env);
    const options = { ...(init as object), ...(through ? { dispatcher: agent(through) } : {}) };
    return undiciFetch(url, options) as unknown as Promise<Response>;
  };
}

/** A rejection of a platform call that says what could not be reached, where, and why (the socket's code). */
export function unreachable(what: string, url: string) {
  return (err: Error & { cause?: { code?: string; message?: string } }): never => {
    throw new Error(`${what} not reachable at ${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  };
}
