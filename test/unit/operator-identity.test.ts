import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityWarning, operatorUsername } from '../../src/cli/operator-identity.ts';
import { defaultOperatorConfig } from '../../src/config.ts';

test("the operator's own ServiceAccount gets no warning", () => {
  assert.equal(operatorUsername(defaultOperatorConfig), 'system:serviceaccount:bulkhead-system:bulkhead');
  assert.equal(identityWarning('system:serviceaccount:bulkhead-system:bulkhead', defaultOperatorConfig), undefined);
});

test('anyone else is told that tamper protection will refuse them, and how to run as the ServiceAccount', () => {
  const warning = identityWarning('kubernetes-admin', { ...defaultOperatorConfig, operatorNamespace: 'platform' });
  assert.match(warning ?? '', /running as "kubernetes-admin", not as the operator's ServiceAccount "system:serviceaccount:platform:bulkhead"/);
  assert.match(warning ?? '', /ApplyFailed/);
  assert.match(warning ?? '', /kubectl create token bulkhead -n platform .*--token-file/);
  assert.ok(identityWarning('system:serviceaccount:bulkhead-system:default', defaultOperatorConfig) !== undefined);
});
