/**
 * Who the operator is on the API server: a ServiceAccount token read from a file (`bulkhead controller --token-file`,
 * to run outside the cluster as the chart's ServiceAccount), and the identity a KubeConfig authenticates as
 * (SelfSubjectReview, which every authenticated user may create).
 */
import { readFileSync } from 'node:fs';
import { AuthenticationV1Api, KubeConfig, type User } from '@kubernetes/client-node';
import { KubeConfigError } from './client.ts';

/** client-node does not export the interface it takes. */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

const providerName = 'bulkhead-token-file';
/** As client-go and the in-cluster loader do: a rotated token is picked up within a minute. */
const rereadMs = 60_000;

function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim(); // `kubectl create token > file` ends it with a newline
  if (token === '') throw new KubeConfigError(`token file ${path} is empty`);
  return token;
}

/** Sends the token of a file as the bearer token, read again every minute (client-node's own keeps the newline). */
class TokenFileAuthenticator implements Authenticator {
  #token = '';
  #readAt = 0;

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: string } | undefined)?.name === providerName;
  }

  async applyAuthentication(user: User, opts: { headers?: Record<string, unknown> }): Promise<void> {
    const path = (user.authProvider as { config: { path: string } }).config.path;
    if (Date.now() - this.#readAt > rereadMs) {
      this.#token = readToken(path);
      this.#readAt = Date.now();
    }
    opts.headers = { ...opts.headers, Authorization: `Bearer ${this.#token}` };
  }
}

/** The cluster of `base`, authenticated by the token in `path` instead of base's user. */
export function withTokenFile(base: KubeConfig, path: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  if (cluster === null) throw new KubeConfigError('the kubeconfig names no current cluster');
  readToken(path); // fail at start, naming the file, rather than on the first request
  const kc = new KubeConfig();
  kc.addAuthenticator(new TokenFileAuthenticator());
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: providerName, authProvider: { name: providerName, config: { path } } }],
    contexts: [{ name: providerName, cluster: cluster.name, user: providerName }],
    currentContext: providerName,
  });
  return kc;
}

/** The username the API server sees for this KubeConfig. */
export async function authenticatedUsername(kc: KubeConfig): Promise<string> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo?.username ?? '';
}
