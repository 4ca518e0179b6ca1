/* eslint-disable @typescript-eslint/no-explicit-any -- these tests probe free-form manifests field by field */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCidrs, formatCidr, isCanonical, parseCidr, strictlyContainsCidr } from '../../src/net/cidr.ts';
import { ipBlockFor } from '../../src/desired/ip-block.ts';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState } from '../../src/desired/desired-state.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';

test('CIDRs parse and format in both families (RFC 5952 for IPv6)', () => {
  for (const [input, output] of [
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.1.0.0/16', '10.1.0.0/16'],
    ['::/0', '::/0'],
    ['fd00:ec2:0:0:0:0:0:254/128', 'fd00:ec2::254/128'],
    ['2001:DB8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
    ['64:ff9b::169.254.0.0/112', '64:ff9b::a9fe:0/112'],
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'],
  ]) {
    assert.equal(formatCidr(parseCidr(input as string)), output);
  }
  for (const bad of ['10.0.0.0', '10.0.0.256/8', '10.0.0.0/33', '::/129', '1::2::3/64', 'fe80::1%eth0/64', '01.0.0.0/8', 'x/8']) {
    assert.throws(() => parseCidr(bad), /CIDR|address|prefix/, bad);
  }
  assert.equal(isCanonical(parseCidr('10.1.2.3/8')), false);
  assert.equal(strictlyContainsCidr(parseCidr('0.0.0.0/0'), parseCidr('::/0')), false, 'families never contain each other');
  assert.ok(compareCidrs(parseCidr('10.0.0.0/8'), parseCidr('::/0')) < 0);
});

test('the IPv4 internet excepts link-local, metadata and private ranges', () => {
  assert.deepEqual(ipBlockFor('0.0.0.0/0'), {
    cidr: '0.0.0.0/0',
    except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'],
  });
});

test('allowPrivate keeps the private ranges but never link-local or metadata', () => {
  assert.deepEqual(ipBlockFor('0.0.0.0/0', [], true), { cidr: '0.0.0.0/0', except: ['100.100.100.200/32', '169.254.0.0/16'] });
  assert.deepEqual(ipBlockFor('::/0', [], true), {
    cidr: '::/0',
    except: ['64:ff9b::6464:64c8/128', '64:ff9b::a9fe:0/112', 'fd00:ec2::254/128', 'fe80::/10'],
  });
});

test('the IPv6 internet excepts link-local, unique-local and the NAT64 images of the IPv4 ranges', () => {
  assert.deepEqual(ipBlockFor('::/0').except, [
    '64:ff9b::a00:0/104',
    '64:ff9b::6440:0/106',
    '64:ff9b::a9fe:0/112',
    '64:ff9b::ac10:0/108',
    '64:ff9b::c0a8:0/112',
    '64:ff9b:1::/48',
    'fc00::/7',
    'fe80::/10',
  ]);
});

test('an explicit private CIDR is allowed as written, minus the metadata inside it', () => {
  assert.deepEqual(ipBlockFor('10.20.0.0/16'), { cidr: '10.20.0.0/16' });
  assert.deepEqual(ipBlockFor('100.64.0.0/10'), { cidr: '100.64.0.0/10', except: ['100.100.100.200/32'] });
  assert.deepEqual(ipBlockFor('fd00::/8'), { cidr: 'fd00::/8', except: ['fd00:ec2::254/128'] });
});

test('a public CIDR without special ranges inside gets no except; user excepts are kept, minimal and sorted', () => {
  assert.deepEqual(ipBlockFor('203.0.113.0/24'), { cidr: '203.0.113.0/24' });
  assert.deepEqual(ipBlockFor('0.0.0.0/0', ['10.1.0.0/16', '8.8.8.8/32']).except, [
    '8.8.8.8/32',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.168.0.0/16',
  ]);
});

function envelope(network: unknown) {
  const result = validateAgentPolicy(
    { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'net', uid: 'u' }, spec: { network } },
    { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules },
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return desiredState(result.policy, defaultOperatorConfig).filter((o) => o.kind === 'NetworkPolicy') as any[];
}

test('default deny both ways always; DNS over UDP and TCP to kube-dns; no allow lists when empty', () => {
  const policies = envelope({});
  assert.deepEqual(policies.map((p) => p.metadata.name), ['bulkhead-default-deny', 'bulkhead-dns']);
  assert.deepEqual(policies[0].spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  assert.deepEqual(policies[1].spec.egress, [
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    },
  ]);
});

test('NodeLocal DNSCache is reached by ipBlock (it runs with host networking), IPv4 or IPv6', () => {
  assert.deepEqual(envelope({ dns: { nodeLocalAddress: '169.254.20.10' } })[1].spec.egress[0].to[1], { ipBlock: { cidr: '169.254.20.10/32' } });
  assert.deepEqual(envelope({ dns: { nodeLocalAddress: 'fd00::10' } })[1].spec.egress[0].to[1], { ipBlock: { cidr: 'fd00::10/128' } });
});

test('DNS disabled leaves only default deny; peers map to ipBlock, namespace and pod selectors', () => {
  const policies = envelope({
    dns: { enabled: false },
    ingress: [{ podSelector: { matchLabels: { a: 'b' } } }],
    egress: [{ namespaceName: 'gw', ports: [{ port: 'http' }] }],
  });
  assert.deepEqual(policies.map((p) => p.metadata.name), ['bulkhead-default-deny', 'bulkhead-egress', 'bulkhead-ingress']);
  assert.deepEqual(policies[1].spec.egress, [
    { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gw' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
  ]);
  assert.deepEqual(policies[2].spec.ingress, [{ from: [{ podSelector: { matchLabels: { a: 'b' } } }] }]);
});
