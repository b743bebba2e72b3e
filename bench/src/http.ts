import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Timed<T> {
  status: number;
  ms: number;
  body: T;
}

/**
 * GET with node:http, no client timeout (fetch gives up after 5 minutes without headers,
 * which a full-chain verify of 10 million rows may need). `onChunk` sees a streamed body
 * as it arrives; without it the body is returned as text.
 */
export function get(url: string, headers: Record<string, string>, onChunk?: (chunk: Buffer) => void): Promise<Timed<string>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => (onChunk ? onChunk(chunk) : chunks.push(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getJson<T>(url: string, token: string): Promise<Timed<T>> {
  const response = await get(url, { authorization: `Bearer ${token}`, accept: 'application/json' });
  let body: T;
  try {
    body = JSON.parse(response.body) as T;
  } catch {
    throw new Error(`GET ${url} → ${response.status}: not JSON`);
  }
  return { ...response, body };
}
