/** What integration tests use to reach the shared control plane started by global-setup.ts. */
import * as k8s from '@kubernetes/client-node';

export function testKubeconfigPath(): string {
  const path = process.env['BULKHEAD_TEST_KUBECONFIG'];
  if (path === undefined) {
    throw new Error('BULKHEAD_TEST_KUBECONFIG is not set: run integration tests through `npm run test:integration`');
  }
  return path;
}

/** The admin KubeConfig of the test control plane. */
export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(testKubeconfigPath());
  return kc;
}

/** A name unique to this test run, so tests sharing one control plane never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Polls until `check` returns a value other than undefined; fails with `what` after the timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const reason = last instanceof Error ? `: last error ${last.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}
