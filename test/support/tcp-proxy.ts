/**
 * A TCP proxy between the operator and the API server, for the faults a real network makes: it forwards bytes both
 * ways (TLS passes through untouched), and on command
 * - stalls every open connection: they stay open, nothing more is forwarded either way, no FIN, no RST; as a
 *   connection through a NAT whose entry expired, or a load balancer that lost its backend, looks to both ends;
 *   connections opened afterwards work;
 * - cuts every open connection (RST), as a proxy restart does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections currently forwarding. */
  open(): number;
  /** Black-holes every open connection, for good (see above). */
  stall(): number;
  /** Resets every open connection, stalled ones included. */
  cut(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<{ client: Socket; upstream: Socket }>();
  const stalled = new Set<{ client: Socket; upstream: Socket }>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream };
    live.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      live.delete(pair);
      stalled.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the proxy has no port');

  return {
    port: address.port,
    open: () => live.size,
    stall() {
      const count = live.size;
      for (const pair of live) {
        // Stop forwarding and stop reading: bytes pile up in the kernel buffers, and the peers see silence.
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        pair.client.pause();
        pair.upstream.pause();
        stalled.add(pair);
      }
      live.clear();
      return count;
    },
    cut() {
      const count = live.size + stalled.size;
      for (const pair of [...live, ...stalled]) {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
      return count;
    },
    async close() {
      for (const pair of [...live, ...stalled]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
