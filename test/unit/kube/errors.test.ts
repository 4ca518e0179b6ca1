import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { isConflict, isNotFound, KubeApiError, kubeCall, toKubeApiError } from '../../../src/kube/errors.ts';

const request = { verb: 'apply', kind: 'NetworkPolicy', namespace: 'agent-a', name: 'bulkhead-egress' };

function apiException(code: number, status: object | string, headers: Record<string, string> = {}): ApiException<unknown> {
  return new ApiException(code, 'Unsuccessful HTTP Request', typeof status === 'string' ? status : JSON.stringify(status), headers);
}

test('422 Invalid carries the field paths of the causes', () => {
  const error = toKubeApiError(
    apiException(422, {
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      message: 'NetworkPolicy.networking.k8s.io "bulkhead-egress" is invalid: spec.egress[0].ports[0].port: Invalid value: 0',
      details: { causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0', field: 'spec.egress[0].ports[0].port' }] },
      code: 422,
    }),
    request,
  );
  assert.equal(error.category, 'Invalid');
  assert.equal(error.statusCode, 422);
  assert.equal(error.reason, 'Invalid');
  assert.deepEqual(error.causes.map((c) => c.field), ['spec.egress[0].ports[0].port']);
  assert.equal(error.retryable, false);
  assert.match(error.message, /^apply NetworkPolicy agent-a\/bulkhead-egress: 422 Invalid: NetworkPolicy/);
  assert.equal(error.verb, 'apply');
  assert.equal(error.kind, 'NetworkPolicy');
  assert.equal(error.namespace, 'agent-a');
  assert.equal(error.objectName, 'bulkhead-egress');
});

test('status codes map to categories', () => {
  const cases: [number, string, string][] = [
    [404, 'NotFound', 'NotFound'],
    [409, 'Conflict', 'Conflict'],
    [409, 'AlreadyExists', 'AlreadyExists'],
    [403, 'Forbidden', 'Forbidden'],
    [410, 'Expired', 'Gone'],
    [500, 'InternalError', 'Transient'],
    [503, 'ServiceUnavailable', 'Transient'],
    [504, 'Timeout', 'Transient'],
    [401, 'Unauthorized', 'Unauthorized'],
    [400, 'BadRequest', 'BadRequest'],
    [418, '', 'Unknown'],
  ];
  for (const [code, reason, category] of cases) {
    assert.equal(toKubeApiError(apiException(code, { reason, message: 'm' }), request).category, category, `${code} ${reason}`);
  }
  assert.equal(isNotFound(toKubeApiError(apiException(404, {}), request)), true);
  assert.equal(isNotFound(apiException(404, {})), true);
  assert.equal(isConflict(apiException(409, { reason: 'Conflict' })), true);
});

test('429 takes Retry-After from the header, else from the Status details', () => {
  const fromHeader = toKubeApiError(apiException(429, { reason: 'TooManyRequests', message: 'slow down' }, { 'retry-after': '7' }), request);
  assert.equal(fromHeader.category, 'TooManyRequests');
  assert.equal(fromHeader.retryAfterSeconds, 7);
  assert.equal(fromHeader.retryable, true);
  const fromBody = toKubeApiError(apiException(429, { reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } }), request);
  assert.equal(fromBody.retryAfterSeconds, 3);
});

test('a non-JSON body and a network error still become KubeApiErrors', () => {
  const html = toKubeApiError(apiException(502, '<html>bad gateway</html>'), request);
  assert.equal(html.category, 'Transient');
  assert.equal(html.serverMessage, '<html>bad gateway</html>');
  const network = toKubeApiError(new TypeError('fetch failed'), { verb: 'list', kind: 'Namespace' });
  assert.equal(network.statusCode, 0);
  assert.equal(network.category, 'Transient');
  assert.equal(network.message, 'list Namespace: no response: fetch failed');
  assert.ok(network.cause instanceof TypeError);
});

test('kubeCall rethrows as a KubeApiError and passes results through', async () => {
  assert.equal(await kubeCall(request, async () => 5), 5);
  await assert.rejects(
    kubeCall(request, async () => {
      throw apiException(404, { reason: 'NotFound', message: 'not found' });
    }),
    (error: unknown) => error instanceof KubeApiError && error.category === 'NotFound',
  );
});
