/**
 * One HTTP request to the API server with a KubeConfig's credentials, for what the typed clients cannot send: the
 * connect verbs (pods/exec, pods/attach, pods/portforward) and impersonation headers. A refusal is thrown as the
 * typed clients throw it (ApiException with the metav1.Status body), so test/support/access-checks.ts reads it alike.
 */
import { request } from 'node:https';
import * as k8s from '@kubernetes/client-node';

export async function rawRequest(
  kc: k8s.KubeConfig,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig has no current cluster');
  const options: import('node:https').RequestOptions = { method, headers: { Accept: 'application/json', ...headers } };
  await kc.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) options.headers = { ...options.headers, 'Content-Type': 'application/json' };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), { ...options, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve(text === '' ? undefined : (JSON.parse(text) as unknown));
        else reject(new k8s.ApiException(code, `${method} ${path}`, text, res.headers as Record<string, string>));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
