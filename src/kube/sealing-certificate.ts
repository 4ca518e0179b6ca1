/**
 * Fetches the Sealed Secrets controller's certificate as kubeseal does: read the controller's Service for the name of
 * its first port, then GET /v1/cert.pem through the API server's service proxy
 * (/api/v1/namespaces/<ns>/services/http:<name>:<port>/proxy/v1/cert.pem). Naming the port as the Service does keeps
 * the request inside the upstream chart's service-proxier Role, which allows only `http:<name>:` and
 * `http:<name>:http`. Returns the PEM text; src/sealing/certificate.ts checks it.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { makeKubeClients } from './client.ts';
import { KubeApiError, kubeCall, parseStatus } from './errors.ts';

export interface SealingController {
  readonly namespace: string;
  readonly name: string;
}

/** kubeseal's defaults (the Helm chart names its release `sealed-secrets` instead). */
export const defaultSealingController: SealingController = { namespace: 'kube-system', name: 'sealed-secrets-controller' };

const timeoutMs = 30_000;

export async function fetchSealingCertificate(kubeConfig: KubeConfig, controller: SealingController): Promise<string> {
  const { namespace, name } = controller;
  const service = await kubeCall({ verb: 'get', kind: 'Service', namespace, name }, () =>
    makeKubeClients(kubeConfig).core.readNamespacedService({ name, namespace }),
  );
  const port = service.spec?.ports?.[0];
  const portName = port?.name !== undefined && port.name !== '' ? port.name : String(port?.port ?? '');
  const proxyName = `http:${name}:${portName}`;
  const path = `/api/v1/namespaces/${namespace}/services/${proxyName}/proxy/v1/cert.pem`;
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const request = new RequestContext(`${server}${path}`, HttpMethod.GET);
  request.setHeaderParam('Accept', 'application/x-pem-file, */*');
  request.setSignal(AbortSignal.timeout(timeoutMs));
  await kubeConfig.applySecurityAuthentication(request);
  const target = { verb: 'get', kind: 'services/proxy', namespace, name: `${proxyName}/v1/cert.pem` };
  let status: number;
  let body: string;
  try {
    const response = await new IsomorphicFetchHttpLibrary().send(request).toPromise();
    status = response.httpStatusCode;
    body = await response.body.text();
  } catch (error) {
    throw new KubeApiError(target, { statusCode: 0, reason: '', serverMessage: error instanceof Error ? error.message : String(error), cause: error });
  }
  if (status !== 200) {
    const parsed = parseStatus(body);
    throw new KubeApiError(target, { statusCode: status, reason: parsed.reason ?? '', serverMessage: parsed.message ?? '', causes: parsed.causes });
  }
  return body;
}
