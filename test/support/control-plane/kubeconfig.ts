import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

const b64 = (path: string): string => readFileSync(path).toString('base64');

/** Writes a kubeconfig for the admin user with the CA and client certificate embedded. */
export function writeAdminKubeconfig(
  path: string,
  server: string,
  files: { caCert: string; adminCert: string; adminKey: string },
): void {
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bulkhead-test', cluster: { server, 'certificate-authority-data': b64(files.caCert) } }],
    users: [
      {
        name: 'bulkhead-test-admin',
        user: { 'client-certificate-data': b64(files.adminCert), 'client-key-data': b64(files.adminKey) },
      },
    ],
    contexts: [{ name: 'bulkhead-test', context: { cluster: 'bulkhead-test', user: 'bulkhead-test-admin' } }],
    'current-context': 'bulkhead-test',
  };
  writeFileSync(path, stringify(kubeconfig), { mode: 0o600 });
}
