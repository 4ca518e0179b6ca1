import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { imageAllowed, imageRepository, registryEntryPattern } from '../../src/api/image-reference.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState } from '../../src/desired/desired-state.ts';
import { imageCases } from '../fixtures/image-references.ts';

const policyWith = (spec: object) => ({ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'spelling' }, spec });
const validate = (spec: object) => validateAgentPolicy(policyWith(spec), { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules });

describe('egress CIDR spellings: whatever Kubernetes or a network plugin may read as IPv4 is refused', () => {
  const refused = [
    ['::ffff:0:0/96', 'IPv4-mapped 0.0.0.0/0 (Go reads it as the whole IPv4 internet)'],
    ['::ffff:169.254.169.254/128', 'IPv4-mapped metadata address, dotted'],
    ['::ffff:a9fe:a9fe/128', 'IPv4-mapped metadata address, hex'],
    ['::ffff:10.0.0.0/104', 'IPv4-mapped private range'],
    ['0:0:0:0:0:ffff:0:0/96', 'IPv4-mapped, uncompressed'],
    ['0000:0000:0000:0000:0000:ffff:0000:0000/96', 'IPv4-mapped, zero-padded groups'],
    ['::a9fe:a9fe/128', 'IPv4-compatible metadata address'],
    ['::169.254.169.254/128', 'IPv4-compatible, dotted'],
    ['::/96', 'the IPv4-compatible range itself'],
    ['010.0.0.0/8', 'zero-padded IPv4 octet (ambiguous: octal in some parsers)'],
    ['10.0.0.1/8', 'host bits set'],
    ['0.0.0.0/0 ', 'trailing space'],
    ['169.254.169.254/32', 'metadata address'],
    ['fd00:ec2::254/128', 'AWS IPv6 metadata'],
    ['64:ff9b::a9fe:a9fe/128', 'metadata through NAT64'],
  ] as const;
  for (const [cidr, why] of refused) {
    test(`${cidr}: ${why}`, () => {
      const result = validate({ network: { egress: [{ cidr }] } });
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.issues.some((i) => i.path.startsWith('spec.network.egress[0].cidr')), JSON.stringify(!result.ok && result.issues));
    });
  }
  test('the same spellings are refused in except lists and as the NodeLocal DNS address', () => {
    const except = validate({ network: { egress: [{ cidr: '::/0', except: ['::ffff:0:0/96'] }] } });
    assert.ok(!except.ok && except.issues.some((i) => i.path === 'spec.network.egress[0].except[0]'));
    const nodeLocal = validate({ network: { dns: { nodeLocalAddress: '::ffff:169.254.20.10' } } });
    assert.ok(!nodeLocal.ok && nodeLocal.issues.some((i) => i.path === 'spec.network.dns.nodeLocalAddress'));
  });
  test('IPv6 blocks that merely contain the embedded ranges are fine, and get the IPv6 exceptions', () => {
    const result = validate({ network: { egress: [{ cidr: '::/0' }, { cidr: '2001:db8::/32' }] } });
    assert.ok(result.ok);
    const rendered = desiredState(result.policy, defaultOperatorConfig, { offline: true }) as unknown as { kind: string; metadata: { name: string }; spec?: { egress?: { to: { ipBlock?: { except?: string[] } }[] }[] } }[];
    const egress = rendered.find((o) => o.metadata.name === 'bulkhead-egress');
    assert.ok(egress?.spec?.egress?.[0]?.to[0]?.ipBlock?.except?.includes('fe80::/10'));
  });
});

describe('allowed registries match whole host and path segments', () => {
  for (const c of imageCases) {
    test(`${c.allowed.join(',')} ${c.admitted ? 'admits' : 'refuses'} ${c.image}`, () => {
      assert.equal(imageAllowed(c.image, c.allowed), c.admitted);
    });
  }
  test('normalisation as the container runtime does it', () => {
    assert.equal(imageRepository('python'), 'docker.io/library/python');
    assert.equal(imageRepository('python:3@sha256:' + 'b'.repeat(64)), 'docker.io/library/python');
    assert.equal(imageRepository('acme/agent:v1'), 'docker.io/acme/agent');
    assert.equal(imageRepository('localhost:5000/x:1'), 'localhost:5000/x');
  });
  test('entries must name a registry host; prefixes that would over-match by design are refused', () => {
    for (const good of ['ghcr.io/acme/', 'ghcr.io', 'localhost:5000/team', 'registry:5000/x', 'docker.io/library/', 'localhost']) {
      assert.ok(registryEntryPattern.test(good), good);
    }
    for (const bad of ['python', 'acme/', 'ghcr.io/acme:v1', 'https://ghcr.io/acme', 'ghcr.io/acme@sha256:x', 'GHCR.io/acme', 'ghcr.io//acme', '']) {
      assert.ok(!registryEntryPattern.test(bad), bad);
    }
    const result = validate({ images: { allowedRegistries: ['ghcr.io/acme/', 'acme/'] } });
    assert.ok(!result.ok && result.issues.some((i) => i.path === 'spec.images.allowedRegistries[1]'));
  });
});
