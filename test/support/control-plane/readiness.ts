import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface ProbeResult {
  readonly status: number;
  readonly body: string;
}

/** One GET; rejects on connection errors, resolves with any HTTP status. */
export function probe(url: string, tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> = {}): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { ...tls, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
}

/**
 * Polls `check` until it returns true, `exited` settles (the process died) or `timeoutMs` passes. The last failure
 * reason goes into the error so a harness failure says why.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs, exited }: { timeoutMs: number; exited?: Promise<void> },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void exited?.then(() => {
    died = true;
  });
  let lastProblem = 'not ready';
  while (Date.now() < deadline) {
    if (died) throw new NotReadyError(`${what}: the process exited before it was ready`);
    try {
      if (await check()) return;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new NotReadyError(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s (last: ${lastProblem})`);
}
