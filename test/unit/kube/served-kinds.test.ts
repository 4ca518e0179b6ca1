import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException, type V1APIResourceList } from '@kubernetes/client-node';
import { discoveryServedKinds } from '../../../src/kube/served-kinds.ts';

const sealedSecret = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
const sealedSecretV2 = { apiVersion: 'bitnami.com/v2', kind: 'SealedSecret' };
const configMap = { apiVersion: 'v1', kind: 'ConfigMap' };

const list = (groupVersion: string, resources: [string, string][]): V1APIResourceList => ({
  groupVersion,
  resources: resources.map(([name, kind]) => ({ name, kind, namespaced: true, singularName: '', verbs: [] })),
});

/** Discovery documents by group version; anything else is a 404, as the API server answers. */
function clients(documents: Record<string, V1APIResourceList | Error>, requests: string[]) {
  const answer = async (groupVersion: string): Promise<V1APIResourceList> => {
    requests.push(groupVersion);
    const document = documents[groupVersion];
    if (document === undefined) throw new ApiException(404, 'Not Found', '{"kind":"Status","reason":"NotFound","message":"the server could not find the requested resource"}', {});
    if (document instanceof Error) throw document;
    return document;
  };
  return {
    customObjects: { getAPIResources: ({ group, version }: { group: string; version: string }) => answer(`${group}/${version}`) },
    core: { getAPIResources: () => answer('v1') },
  };
}

test('one request per group version; a kind is served when its resource (not a subresource) is listed', async () => {
  const requests: string[] = [];
  const port = discoveryServedKinds(
    clients(
      {
        'bitnami.com/v1alpha1': list('bitnami.com/v1alpha1', [['sealedsecrets', 'SealedSecret'], ['sealedsecrets/status', 'SealedSecret']]),
        v1: list('v1', [['configmaps', 'ConfigMap']]),
      },
      requests,
    ) as never,
  );
  const served = await port.served([sealedSecret, configMap]);
  assert.deepEqual([...served], [sealedSecret, configMap]);
  assert.deepEqual(requests, ['bitnami.com/v1alpha1', 'v1']);
});

test('a group version not served (404) serves none of its kinds, and a listed subresource alone does not count', async () => {
  const requests: string[] = [];
  const port = discoveryServedKinds(
    clients({ 'bitnami.com/v1alpha1': list('bitnami.com/v1alpha1', [['sealedsecrets/status', 'SealedSecret']]) }, requests) as never,
  );
  assert.deepEqual([...(await port.served([sealedSecret, sealedSecretV2]))], []);
});

test('any other discovery failure is thrown, not read as "not served"', async () => {
  const port = discoveryServedKinds(clients({ 'bitnami.com/v1alpha1': new ApiException(503, 'Unavailable', '{}', {}) }, []) as never);
  await assert.rejects(port.served([sealedSecret]), /get APIResourceList bitnami\.com\/v1alpha1: 503/);
});
