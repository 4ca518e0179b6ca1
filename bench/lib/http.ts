/**
 * Raw HTTPS to the API server over one keep-alive connection, with the TLS material of a KubeConfig: the benchmark's
 * measuring instrument, kept out of client-node so what it times is the server, not a client's serialization.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

export interface RawClient {
  send(method: string, path: string, body?: unknown): Promise<RawResponse>;
  close(): void;
}

/** A client for the KubeConfig's cluster and user; `token` replaces the user's credentials (a ServiceAccount). */
export async function rawClient(kubeConfig: KubeConfig, token?: string): Promise<RawClient> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig names no cluster');
  const tls: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(tls);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers: Record<string, string> = { Accept: 'application/json' };
  const options: RequestOptions = token === undefined ? { ...tls } : { ca: tls.ca };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  return {
    send(method, path, body) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          new URL(path, server),
          {
            ...options,
            agent,
            method,
            timeout: 60_000,
            headers: payload === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
