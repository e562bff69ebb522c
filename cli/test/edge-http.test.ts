import { describe, expect, it } from '@jest/globals';
import { proxyFor } from '../src/edge/http.js';

describe('edge: the proxy the environment names', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', http_proxy: 'http://plain:8080' };

  it('picks the proxy by scheme, either case', () => {
    expect(proxyFor('https://mic.example.org/dicomweb/studies', env)).toBe('http://proxy:3128');
    expect(proxyFor('http://mic.example.org/api', env)).toBe('http://plain:8080');
    expect(proxyFor('https://mic.example.org/', {})).toBeUndefined();
  });

  it('goes directly to what NO_PROXY lists', () => {
    const no = (list: string, url: string) => proxyFor(url, { ...env, NO_PROXY: list });
    expect(no('localhost,127.0.0.1', 'https://127.0.0.1:8443/')).toBeUndefined();
    expect(no('.hospital.local', 'https://id.hospital.local/')).toBeUndefined();
    expect(no('hospital.local', 'https://hospital.local/')).toBeUndefined();
    expect(no('hospital.local', 'https://a.b.hospital.local/')).toBeUndefined();
    expect(no('*.hospital.local', 'https://a.hospital.local/')).toBeUndefined();
    expect(no('hospital.local', 'https://nothospital.local/')).toBe('http://proxy:3128');
    expect(no('mic.example.org:8443', 'https://mic.example.org/')).toBe('http://proxy:3128');
    expect(no('mic.example.org:443', 'https://mic.example.org/')).toBeUndefined();
    expect(no('*', 'https://mic.example.org/')).toBeUndefined();
    expect(proxyFor('https://mic.example.org/', { ...env, no_proxy: 'example.org' })).toBeUndefined();
  });
});
