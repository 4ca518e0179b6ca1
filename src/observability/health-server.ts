/**
 * The operator's HTTP endpoints: /healthz (the process is alive), /readyz (the supplied check passes, e.g. caches
 * synced and either leading or standing by) and /metrics (Prometheus text). Anything else is 404.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Readiness: true, or false / a reason string when not ready. A throw counts as not ready. */
  readonly ready: () => boolean | string | Promise<boolean | string>;
  /** The metrics exposition. */
  readonly metrics: () => string;
}

export interface HealthServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') return reply(200, 'ok\n');
    if (path === '/metrics') {
      try {
        return reply(200, options.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
      } catch (error) {
        return reply(500, `metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    if (path === '/readyz') {
      Promise.resolve()
        .then(options.ready)
        .then(
          (result) => (result === true ? reply(200, 'ok\n') : reply(503, `not ready${typeof result === 'string' ? `: ${result}` : ''}\n`)),
          (error: unknown) => reply(503, `not ready: ${error instanceof Error ? error.message : String(error)}\n`),
        );
      return;
    }
    reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
