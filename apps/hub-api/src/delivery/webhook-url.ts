import type { Problem } from '@accord/platform';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * What is wrong with a webhook endpoint, if anything: it must be an absolute HTTPS URL
 * without credentials or a fragment. Outside production, `http://` to this machine
 * (loopback) is allowed too, for development and tests; production never sends shared
 * records over plain HTTP.
 */
export function webhookUrlProblems(url: string, production: boolean): Problem[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [{ path: 'url', problem: 'must be an absolute https:// URL' }];
  }
  const problems: Problem[] = [];
  const loopbackHttp = parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname) && !production;
  if (parsed.protocol !== 'https:' && !loopbackHttp) {
    problems.push({ path: 'url', problem: production ? 'must be an https:// URL' : 'must be an https:// URL (or http:// to 127.0.0.1 or localhost outside production)' });
  }
  if (parsed.username || parsed.password) problems.push({ path: 'url', problem: 'must not carry a user name or password' });
  if (parsed.hash) problems.push({ path: 'url', problem: 'must not have a fragment' });
  return problems;
}

/** The endpoint as ops may see it: its origin only (a path or query may hold the partner's own token). */
export function endpointOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid';
  }
}
