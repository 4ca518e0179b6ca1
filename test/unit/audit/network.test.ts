import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateNetwork, summariseNetwork } from '../../../src/audit/network.ts';
import { answerQuery, parseQuery, QueryError } from '../../../src/audit/network-query.ts';
import type { NetworkPolicy } from '../../../src/audit/objects.ts';
import { desiredObjects, networkPolicy, ofKind, samplePolicy } from './fixtures.ts';

const ns = 'agent-x';
const namespaceLabels: Record<string, Record<string, string>> = {
  [ns]: { 'kubernetes.io/metadata.name': ns },
  'kube-system': { 'kubernetes.io/metadata.name': 'kube-system' },
  myproject: { 'kubernetes.io/metadata.name': 'myproject', project: 'myproject' },
  alice: { 'kubernetes.io/metadata.name': 'alice', user: 'alice' },
  bob: { 'kubernetes.io/metadata.name': 'bob', user: 'bob' },
};

const np = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => networkPolicy(ns, name, spec);
const denyAll = np('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

/** May the namespace's pods reach `destination` under these policies (none of them desired)? */
function reaches(policies: readonly NetworkPolicy[], destination: string): boolean {
  const view = evaluateNetwork(ns, policies, []);
  return answerQuery(view, parseQuery(destination), (n) => namespaceLabels[n]).allowed;
}

// Cases from the Kubernetes documentation (concepts/services-networking/network-policies) and the upstream e2e
// network-policy conformance suite (test/e2e/network/netpol), restated as reachability from the policy's namespace.
const cases: { name: string; policies: NetworkPolicy[]; allowed: string[]; denied: string[] }[] = [
  {
    name: 'no policy: pods are not isolated',
    policies: [],
    allowed: ['169.254.169.254:80/TCP', '8.8.8.8:53/UDP', 'bob/app=db:5432/TCP'],
    denied: [],
  },
  {
    name: 'default deny all egress (docs)',
    policies: [np('default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] })],
    allowed: [],
    denied: ['8.8.8.8:53/UDP', 'kube-system/k8s-app=kube-dns:53/UDP', '[2001:db8::1]:443/TCP'],
  },
  {
    name: 'default deny ingress only leaves egress open (docs)',
    policies: [np('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })],
    allowed: ['8.8.8.8:53/UDP'],
    denied: [],
  },
  {
    name: 'allow all egress: a rule with no peers and no ports (docs)',
    policies: [denyAll, np('allow-all-egress', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] })],
    allowed: ['169.254.169.254:80/TCP', 'bob:1/SCTP', '[fe80::1]:22/TCP'],
    denied: [],
  },
  {
    name: 'an empty egress list denies all egress (e2e: deny egress)',
    policies: [np('deny', { podSelector: {}, egress: [], policyTypes: ['Egress'] })],
    allowed: [],
    denied: ['1.1.1.1:443/TCP'],
  },
  {
    name: 'policyTypes default: egress rules without policyTypes isolate egress (API server defaulting)',
    policies: [np('egress-only-rules', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }] }] })],
    allowed: ['10.0.0.7:80/TCP'],
    denied: ['10.0.1.7:80/TCP'],
  },
  {
    name: 'egress rules of a policy that lists only Ingress are ignored',
    policies: [denyAll, np('ingress-typed', { podSelector: {}, policyTypes: ['Ingress'], egress: [{}] })],
    allowed: [],
    denied: ['1.1.1.1:443/TCP'],
  },
  {
    name: 'docs test-network-policy: ipBlock with except, TCP 5978',
    policies: [
      denyAll,
      np('test-network-policy', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
      }),
    ],
    allowed: ['10.0.0.5:5978/TCP'],
    denied: ['10.0.0.5:5979/TCP', '10.0.0.5:5978/UDP', '10.0.1.5:5978/TCP'],
  },
  {
    name: 'docs multi-port-egress: endPort makes a range',
    policies: [
      denyAll,
      np('multi-port-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }],
      }),
    ],
    allowed: ['10.0.0.1:32000/TCP', '10.0.0.1:32500/TCP', '10.0.0.1:32768/TCP'],
    denied: ['10.0.0.1:31999/TCP', '10.0.0.1:32769/TCP'],
  },
  {
    name: 'except clause (e2e: should enforce except clause while egress access to server in CIDR block)',
    policies: [
      denyAll,
      np('except', {
        podSelector: {},
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16', '10.0.0.0/8'] } }] }],
        policyTypes: ['Egress'],
      }),
    ],
    allowed: ['1.1.1.1:443/TCP', '11.0.0.1:80/TCP'],
    denied: ['169.254.169.254:80/TCP', '10.1.2.3:80/TCP'],
  },
  {
    name: 'IPv6 CIDR with except (e2e: should allow egress access to server in IPv6 CIDR); IPv4 rules say nothing of IPv6',
    policies: [
      denyAll,
      np('v6', {
        podSelector: {},
        egress: [
          { to: [{ ipBlock: { cidr: '::/0', except: ['fe80::/10', 'fd00:ec2::254/128'] } }], ports: [{ port: 443 }] },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 80 }] },
        ],
        policyTypes: ['Egress'],
      }),
    ],
    allowed: ['[2001:db8::1]:443/TCP', '[fd00:ec2::255]:443/TCP', '1.2.3.4:80/TCP'],
    denied: ['[fe80::1]:443/TCP', '[fd00:ec2::254]:443/TCP', '[2001:db8::1]:80/TCP', '1.2.3.4:443/TCP'],
  },
  {
    name: 'additive policies: the union of every policy selecting the pod (e2e: multiple, stacked policies)',
    policies: [
      denyAll,
      np('a', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '1.2.3.0/24' } }], ports: [{ port: 80 }] }] }),
      np('b', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] }),
    ],
    allowed: ['1.2.3.4:80/TCP', '8.8.8.8:53/UDP', 'bob:53/UDP'],
    denied: ['1.2.3.4:81/TCP', '8.8.8.8:53/TCP'],
  },
  {
    name: 'namespaceSelector and podSelector in one peer are ANDed (docs)',
    policies: [
      denyAll,
      np('and', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { user: 'alice' } }, podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    ],
    allowed: ['alice/role=client:80/TCP'],
    denied: ['alice/role=server:80/TCP', 'bob/role=client:80/TCP', `${ns}/role=client:80/TCP`],
  },
  {
    name: 'namespaceSelector and podSelector as two peers are ORed (docs)',
    policies: [
      denyAll,
      np('or', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { user: 'alice' } } }, { podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    ],
    allowed: ['alice/role=server:80/TCP', `${ns}/role=client:80/TCP`],
    denied: ['bob/role=client:80/TCP', `${ns}/role=server:80/TCP`],
  },
  {
    name: 'empty selectors: namespaceSelector {} is every namespace, podSelector {} every pod of the own namespace',
    policies: [
      denyAll,
      np('all-ns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 8080 }] }] }),
      np('own-ns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }], ports: [{ port: 9090 }] }] }),
    ],
    allowed: ['bob/any=thing:8080/TCP', `${ns}:9090/TCP`],
    denied: ['bob:9090/TCP', '1.1.1.1:8080/TCP'],
  },
  {
    name: 'matchExpressions (e2e: should enforce policy based on any PodSelectors / NamespaceSelector with MatchExpressions)',
    policies: [
      denyAll,
      np('expr', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchExpressions: [{ key: 'user', operator: 'NotIn', values: ['bob'] }] },
                podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['client', 'server'] }, { key: 'legacy', operator: 'DoesNotExist' }] },
              },
            ],
          },
        ],
      }),
    ],
    allowed: ['alice/role=server:80/TCP', 'kube-system/role=client:80/TCP'],
    denied: ['bob/role=server:80/TCP', 'alice/role=server,legacy=yes:80/TCP', 'alice/role=other:80/TCP'],
  },
  {
    name: 'named ports match only that name (e2e: should allow egress access on one named port)',
    policies: [
      denyAll,
      np('named', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 'serve-80' }] }] }),
    ],
    allowed: ['bob/app=web:serve-80/TCP'],
    denied: ['bob/app=web:80/TCP', 'bob/app=web:serve-81/TCP', 'bob/app=web:serve-80/UDP'],
  },
  {
    name: 'a port without a number is every port of its protocol; SCTP is its own protocol',
    policies: [denyAll, np('sctp', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'SCTP' }] }] })],
    allowed: ['1.1.1.1:1/SCTP', '1.1.1.1:65535/SCTP'],
    denied: ['1.1.1.1:1/TCP'],
  },
  {
    name: 'a policy selecting only some pods leaves the rest unisolated (e2e: should enforce policy to allow traffic only from a pod)',
    policies: [np('db', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Egress'], egress: [] })],
    allowed: ['1.1.1.1:443/TCP'],
    denied: [],
  },
];

describe('network reachability (Kubernetes documentation and conformance cases)', () => {
  for (const c of cases) {
    test(c.name, () => {
      for (const d of c.allowed) assert.equal(reaches(c.policies, d), true, `${d} should be allowed`);
      for (const d of c.denied) assert.equal(reaches(c.policies, d), false, `${d} should be denied`);
    });
  }
});

describe('ingress', () => {
  test('default deny ingress: isolated with no grants; allow-all ingress: a grant from anywhere', () => {
    const denied = evaluateNetwork(ns, [np('d', { podSelector: {}, policyTypes: ['Ingress'] })], []);
    assert.equal(denied.ingress.isolated, true);
    assert.deepEqual(denied.ingress.grants, []);
    const open = evaluateNetwork(ns, [np('d', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] })], []);
    assert.deepEqual(open.ingress.grants.map((g) => g.text), ['any port from anywhere']);
  });

  test('docs test-network-policy ingress peers read as written, scoped to role=db pods', () => {
    const view = evaluateNetwork(
      ns,
      [
        np('test-network-policy', {
          podSelector: { matchLabels: { role: 'db' } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
                { namespaceSelector: { matchLabels: { project: 'myproject' } } },
                { podSelector: { matchLabels: { role: 'frontend' } } },
              ],
              ports: [{ protocol: 'TCP', port: 6379 }],
            },
          ],
        }),
      ],
      [],
    );
    assert.equal(view.ingress.isolated, false, 'only role=db pods are isolated');
    assert.deepEqual(view.ingress.grants.map((g) => g.text), [
      'TCP 6379 from 172.17.0.0/16 except 172.17.1.0/24 (for pods role=db)',
      'TCP 6379 from {project=myproject}/* (for pods role=db)',
      `TCP 6379 from ${ns}/role=frontend (for pods role=db)`,
    ]);
  });
});

describe('expected and widening grants', () => {
  const policy = samplePolicy('typical.yaml');
  const namespace = 'agent-research-assistant';
  const desired = ofKind<NetworkPolicy>(desiredObjects(policy), 'NetworkPolicy');

  test('the desired NetworkPolicies alone: every grant expected, and the summary reads like the spec', () => {
    const view = evaluateNetwork(namespace, desired, desired);
    assert.deepEqual(view.findings.filter((f) => f.verdict === 'widening'), []);
    assert.equal(
      summariseNetwork(view),
      'egress: UDP/TCP 53 to kube-system/k8s-app=kube-dns; ' +
        'TCP 443 to 0.0.0.0/0 except 10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16; ' +
        'TCP 8080 to llm-gateway/app=gateway; ingress: none',
    );
    const metadata = answerQuery(view, parseQuery('169.254.169.254:80/TCP'), () => undefined);
    assert.equal(metadata.allowed, false);
    const https = answerQuery(view, parseQuery('93.184.216.34:443/TCP'), () => undefined);
    assert.equal(https.allowed, true);
    assert.match(https.because, /^the policy allows it: bulkhead-egress rule 1/);
  });

  test('a hand-made policy opening egress is a widening naming it; the query says so', () => {
    const foreign = networkPolicy(namespace, 'debug-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
    const view = evaluateNetwork(namespace, [...desired, foreign], desired);
    const widenings = view.findings.filter((f) => f.verdict === 'widening');
    assert.equal(widenings.length, 1);
    assert.equal(widenings[0]?.reason, 'ForeignNetworkPolicy');
    assert.deepEqual(widenings[0]?.object, { kind: 'NetworkPolicy', namespace, name: 'debug-egress' });
    assert.match(widenings[0]?.message ?? '', /opens egress any port to 0\.0\.0\.0\/0/);
    const metadata = answerQuery(view, parseQuery('169.254.169.254:80/TCP'), () => undefined);
    assert.equal(metadata.allowed, true);
    assert.match(metadata.because, /^a rule the policy does not allow allows it: debug-egress rule 1/);
  });

  test('a foreign rule inside what the policy already allows is expected (narrower peer and ports)', () => {
    const narrower = networkPolicy(namespace, 'cdn', {
      podSelector: { matchLabels: { app: 'fetcher' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '93.184.216.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
    const view = evaluateNetwork(namespace, [...desired, narrower], desired);
    assert.deepEqual(view.findings.filter((f) => f.verdict === 'widening'), []);
  });

  test('a foreign rule reaching a private range the policy excepts is a widening', () => {
    const privateNet = networkPolicy(namespace, 'db', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
    const view = evaluateNetwork(namespace, [...desired, privateNet], desired);
    assert.deepEqual(view.findings.filter((f) => f.verdict === 'widening').map((f) => f.object?.name), ['db']);
  });

  test('a default deny that was removed: ingress is open; egress stays isolated by the Egress allow lists', () => {
    const live = desired.filter((p) => p.metadata.name !== 'bulkhead-default-deny');
    const view = evaluateNetwork(namespace, live, desired);
    const reasons = view.findings.filter((f) => f.verdict === 'widening').map((f) => `${f.reason} ${f.object?.name}`);
    assert.deepEqual(reasons, ['NetworkNotIsolated bulkhead-default-deny']);
    assert.match(summariseNetwork(view), /ingress: anything for pods no policy isolates$/);
    assert.equal(answerQuery(view, parseQuery('169.254.169.254:80/TCP'), () => undefined).allowed, false);
    const noEgressIsolation = evaluateNetwork(namespace, [], desired);
    assert.equal(answerQuery(noEgressIsolation, parseQuery('169.254.169.254:80/TCP'), () => undefined).allowed, true);
  });
});

test('queries parse addresses, bracketed IPv6 and pods; bad ones are clear errors', () => {
  assert.deepEqual(parseQuery('169.254.169.254:80/tcp').protocol, 'TCP');
  assert.equal(parseQuery('[fd00:ec2::254]:443').destination.kind, 'address');
  assert.deepEqual(parseQuery('kube-system/k8s-app=kube-dns:53/UDP').destination, {
    kind: 'pods',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns' },
  });
  for (const [bad, message] of [
    ['169.254.169.254', /expected DEST:PORT\/PROTO/],
    ['169.254.169.254:80/ICMP', /protocol must be TCP, UDP or SCTP/],
    ['169.254.169.254:70000/TCP', /port must be 1-65535/],
    ['300.1.1.1:80/TCP', /not an IPv4 address/],
    ['fd00::1:80/TCP', /IPv6 address in brackets/],
    ['Kube_System:80/TCP', /not a namespace name/],
    ['ns/app:80/TCP', /not a label=value pair/],
  ] as const) {
    assert.throws(() => parseQuery(bad), (e: unknown) => e instanceof QueryError && message.test(e.message), bad);
  }
});
