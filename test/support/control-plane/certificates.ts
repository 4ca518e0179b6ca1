import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the throwaway PKI one control plane uses; everything lives in its work directory. */
export interface ControlPlaneCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  /** kube-controller-manager's own identity, so its controllers act as themselves, as in a real cluster. */
  readonly controllerManagerCert: string;
  readonly controllerManagerKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a CA, a serving certificate for 127.0.0.1/localhost, an admin client certificate and an SA key pair. */
export function createCertificates(dir: string): ControlPlaneCertificates {
  const path = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bulkhead-test-ca');

  writeFileSync(
    path('serving.ext'),
    [
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      'extendedKeyUsage=serverAuth',
      'keyUsage=digitalSignature,keyEncipherment',
    ].join('\n'),
  );
  openssl(dir, 'req', ...ec, '-keyout', 'serving.key', '-out', 'serving.csr', '-subj', '/CN=kube-apiserver');
  openssl(dir, 'x509', '-req', '-in', 'serving.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'serving.crt', '-days', '2', '-extfile', 'serving.ext');

  writeFileSync(path('client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(dir, 'req', ...ec, '-keyout', 'admin.key', '-out', 'admin.csr', '-subj', '/O=system:masters/CN=bulkhead-test-admin');
  openssl(dir, 'x509', '-req', '-in', 'admin.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'admin.crt', '-days', '2', '-extfile', 'client.ext');

  openssl(dir, 'req', ...ec, '-keyout', 'kcm.key', '-out', 'kcm.csr', '-subj', '/CN=system:kube-controller-manager');
  openssl(dir, 'x509', '-req', '-in', 'kcm.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'kcm.crt', '-days', '2', '-extfile', 'client.ext');

  openssl(dir, 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key');
  openssl(dir, 'pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');

  return {
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    servingCert: path('serving.crt'),
    servingKey: path('serving.key'),
    adminCert: path('admin.crt'),
    adminKey: path('admin.key'),
    controllerManagerCert: path('kcm.crt'),
    controllerManagerKey: path('kcm.key'),
    serviceAccountKey: path('sa.key'),
    serviceAccountPublicKey: path('sa.pub'),
  };
}
