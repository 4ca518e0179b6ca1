import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

const b64 = (path: string): string => readFileSync(path).toString('base64');

/** Writes a kubeconfig for one client certificate (the admin's, the controller manager's), everything embedded. */
export function writeKubeconfig(
  path: string,
  server: string,
  user: string,
  files: { caCert: string; clientCert: string; clientKey: string },
): void {
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bulkhead-test', cluster: { server, 'certificate-authority-data': b64(files.caCert) } }],
    users: [
      {
        name: user,
        user: { 'client-certificate-data': b64(files.clientCert), 'client-key-data': b64(files.clientKey) },
      },
    ],
    contexts: [{ name: 'bulkhead-test', context: { cluster: 'bulkhead-test', user } }],
    'current-context': 'bulkhead-test',
  };
  writeFileSync(path, stringify(kubeconfig), { mode: 0o600 });
}
