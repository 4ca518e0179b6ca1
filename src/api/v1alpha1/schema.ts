import { z } from 'zod';
import { containsCidr, formatCidr, isCanonical, masked, parseCidr, parseIp, strictlyContainsCidr } from '../../net/cidr.ts';
import { ipv4InIpv6Ranges, metadataAddresses, unreachableRanges } from '../../net/network-ranges.ts';
import { quantityValue } from '../quantity.ts';
import { registryEntryMessage, registryEntryPattern } from '../image-reference.ts';
import * as f from './formats.ts';
import { field, type FieldRule } from './rules.ts';
import { apiVersion, kind, reservedLabelKeys, reservedLabelPrefixes, reservedNamespaces } from './well-known.ts';

/**
 * The AgentPolicy API (design.md section 1) as zod schemas: the single source of truth. The operator parses with
 * these, the CRD in crds/ is generated from them (descriptions, bounds, defaults, CEL rules), and the types below are
 * inferred from them. Every list and map is bounded: the bounds keep the API server's CEL cost estimates in budget.
 */

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

function str(description: string, max: number, pattern?: RegExp, patternMessage?: string) {
  let s = z.string().max(max, `must be at most ${max} characters`);
  if (pattern !== undefined) s = s.regex(pattern, patternMessage ?? `must match ${pattern.source}`);
  return field(s, description);
}

const labelMessage = 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending alphanumeric';
const subdomainMessage =
  'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending alphanumeric';
const dnsLabel = (description: string) => str(description, 63, f.dns1123Label, labelMessage);
const dnsSubdomain = (description: string) => str(description, 253, f.dns1123Subdomain, subdomainMessage);

/** A map with bounded size, whose keys are checked by the operator (CEL over unbounded map keys is too costly). */
function boundedMap<V extends z.ZodType>(
  value: V,
  description: string,
  maxProperties: number,
  keyPattern: RegExp,
  keyMessage: string,
  rules: readonly FieldRule<Record<string, z.output<V>>>[] = [],
) {
  const keyRule: FieldRule<Record<string, z.output<V>>> = {
    message: keyMessage,
    test: (m) => {
      const bad = Object.keys(m).find((k) => !keyPattern.test(k) || k.length > 253 + 1 + 63);
      return bad !== undefined && { path: [bad], message: `key "${bad}" ${keyMessage}` };
    },
  };
  const sizeRule: FieldRule<Record<string, z.output<V>>> = {
    message: `must have at most ${maxProperties} entries`,
    test: (m) => Object.keys(m).length > maxProperties,
  };
  return field(z.record(z.string(), value), description, [sizeRule, keyRule, ...rules], { maxProperties });
}

function boundedList<T extends z.ZodType>(item: T, description: string, maxItems: number, extra: Record<string, unknown> = {}) {
  return field(z.array(item).max(maxItems, `must have at most ${maxItems} items`), description, [], extra);
}

const labelValue = str('A label value.', 63, f.labelValue, 'must be a valid label value (at most 63 characters)');
const qualifiedNameMessage = 'must be a qualified name: an optional DNS subdomain prefix and "/", then at most 63 characters';
const labelKeyName = (k: string): boolean => (k.split('/').at(-1) ?? '').length <= 63;

const quantity = field(
  z.union([
    z.number().int().min(0, 'must not be negative'),
    z.string().max(64, 'must be at most 64 characters').regex(f.nonNegativeQuantity, 'must be a non-negative Kubernetes quantity, e.g. 500m, 2Gi'),
  ]),
  'A non-negative Kubernetes quantity (500m, 2, 1.5Gi).',
  [
    {
      // Kubernetes keeps quantities as 64-bit integers (milli-units for CPU): a larger one cannot be stored faithfully.
      message: 'must be at most 4Ei (Kubernetes stores quantities as 64-bit integers)',
      test: (v) => {
        try {
          return !(quantityValue(v) <= 2 ** 62); // NaN too: a number past what a double holds
        } catch {
          return undefined; // the pattern reports it
        }
      },
    },
  ],
);
export type Quantity = z.output<typeof quantity>;

const resourceMap = (description: string, max: number) =>
  boundedMap(quantity, description, max, f.resourceName, 'must be a resource name such as cpu, memory or requests.storage');

const labelSelector = field(
  z.strictObject({
    matchLabels: boundedMap(labelValue, 'Labels the selected objects must all carry.', 64, f.qualifiedName, qualifiedNameMessage).optional(),
    matchExpressions: boundedList(
      field(
        z.strictObject({
          key: str('The label key the expression applies to.', 317, f.qualifiedName, qualifiedNameMessage),
          operator: field(z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), 'How the key relates to the values.'),
          values: boundedList(labelValue, 'Values for In and NotIn; empty for Exists and DoesNotExist.', 64).optional(),
        }),
        'One label selector requirement.',
        [
          {
            message: 'values must be set for In and NotIn and empty for Exists and DoesNotExist',
            cel: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
            fieldPath: '.values',
            test: (e) => ['In', 'NotIn'].includes(e.operator) !== (e.values !== undefined && e.values.length > 0) && { path: ['values'] },
          },
        ],
      ),
      'Label selector requirements, all of which must match.',
      16,
    ).optional(),
  }),
  'A Kubernetes label selector; an empty selector selects every pod.',
);

// ---------------------------------------------------------------------------------------------------------------
// spec.namespace

const reservedPrefixCel = reservedLabelPrefixes.map((p) => `!k.startsWith('${p}')`).join(' && ');
const reservedKeyCel = reservedLabelKeys.map((k) => `k != '${k}'`).join(' && ');

const namespaceSpec = field(
  z.strictObject({
    name: field(z.string().max(63, 'must be at most 63 characters').regex(f.dns1123Label, labelMessage), 'Name of the agent namespace. Defaults to "agent-<metadata.name>". Immutable. Never default, kube-system, kube-public, kube-node-lease, nor the operator namespace.', [
      {
        message: `must not be a system namespace (${reservedNamespaces.join(', ')})`,
        cel: `!(self in [${reservedNamespaces.map((n) => `'${n}'`).join(', ')}])`,
        reason: 'FieldValueForbidden',
        test: (n) => reservedNamespaces.includes(n),
      },
    ]).optional(),
    labels: boundedMap(
      labelValue,
      'Extra labels for the namespace. Keys under bulkhead.dev/, kubernetes.io/, k8s.io/, pod-security.kubernetes.io/ and app.kubernetes.io/managed-by are reserved.',
      64,
      f.qualifiedName,
      qualifiedNameMessage,
      [
        {
          message: `must not use a reserved key (prefixes ${reservedLabelPrefixes.join(', ')}; ${reservedLabelKeys.join(', ')})`,
          cel: `self.all(k, ${reservedPrefixCel} && ${reservedKeyCel})`,
          reason: 'FieldValueForbidden',
          test: (m) => {
            const bad = Object.keys(m).find((k) => reservedLabelKeys.includes(k) || reservedLabelPrefixes.some((p) => k.startsWith(p)));
            return bad !== undefined && { path: [bad], message: `key "${bad}" is reserved` };
          },
        },
        {
          message: 'key name part must be at most 63 characters',
          test: (m) => {
            const bad = Object.keys(m).find((k) => !labelKeyName(k));
            return bad !== undefined && { path: [bad] };
          },
        },
      ],
    ).optional(),
    annotations: boundedMap(
      str('An annotation value.', 65536),
      'Extra annotations for the namespace (keys under bulkhead.dev/ are reserved: they carry the admission parameters).',
      64,
      f.qualifiedName,
      qualifiedNameMessage,
      [
        {
          message: 'must not use a key under bulkhead.dev/ (reserved for the admission parameters Bulkhead sets)',
          cel: "self.all(k, !k.startsWith('bulkhead.dev/'))",
          reason: 'FieldValueForbidden',
          test: (m) => {
            const bad = Object.keys(m).find((k) => k.startsWith('bulkhead.dev/'));
            return bad !== undefined && { path: [bad], message: `key "${bad}" is reserved` };
          },
        },
      ],
    ).optional(),
    deletionPolicy: field(
      z.enum(['Delete', 'Retain']).default('Delete'),
      'What happens to the namespace when the policy is deleted: Delete removes it with everything in it; Retain releases it (labels and ownerReference removed) so its data outlives the policy.',
    ),
  }),
  'The agent namespace (closes cross-tenant leakage: one namespace per agent).',
  [
    {
      // Here, not higher up: spec.namespace always exists (it defaults to {}), so setting a name that was unset is
      // caught too; the same rule on spec or the root exceeds the CRD's CEL cost budget.
      message: 'spec.namespace.name is immutable',
      cel: 'has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)',
      fieldPath: '.name',
      reason: 'FieldValueForbidden',
    },
  ],
).prefault({});

// ---------------------------------------------------------------------------------------------------------------
// spec.sandbox

const toleration = field(
  z.strictObject({
    key: str('The taint key the toleration applies to; empty with operator Exists matches every taint.', 317, f.qualifiedName, qualifiedNameMessage).optional(),
    operator: field(z.enum(['Exists', 'Equal']).optional(), 'Equal (default) matches key and value; Exists matches the key alone.'),
    value: str('The taint value for operator Equal.', 63, f.labelValue).optional(),
    effect: field(z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(), 'The taint effect to match; empty matches all effects.'),
    tolerationSeconds: field(z.number().int().min(0).optional(), 'For NoExecute: how long the pod stays bound after the taint appears.'),
  }),
  'A toleration merged into every agent pod at admission, so pods reach the sandbox nodes.',
);

const runtimeClassSpec = field(
  z.strictObject({
    name: dnsSubdomain('Name of the RuntimeClass every agent pod must use (default gvisor).').default('gvisor'),
    handler: dnsLabel('The CRI handler of a Managed RuntimeClass (default runsc for gVisor; kata for Kata Containers).').default('runsc'),
    management: field(
      z.enum(['Managed', 'External']).default('Managed'),
      'Managed: Bulkhead creates and keeps the RuntimeClass, shared by every policy naming it. External: the cluster provides it (GKE Sandbox, kata-deploy); Bulkhead verifies it exists and never writes it.',
    ),
    nodeSelector: boundedMap(labelValue, 'RuntimeClass scheduling.nodeSelector: labels of the nodes that run the sandbox (merged into pods at admission).', 16, f.qualifiedName, qualifiedNameMessage).optional(),
    tolerations: boundedList(toleration, 'RuntimeClass scheduling.tolerations.', 16).optional(),
    overhead: resourceMap('RuntimeClass overhead.podFixed: resources the sandbox itself uses per pod, e.g. {cpu: 100m, memory: 64Mi}.', 8).optional(),
  }),
  'The sandboxed RuntimeClass (gVisor by default).',
).prefault({});

const sandboxSpec = field(
  z.strictObject({
    runtimeClass: runtimeClassSpec,
    enforcement: field(
      z.enum(['Enforce', 'Audit', 'Disabled']).default('Enforce'),
      'How the admission rules apply to agent pods: Enforce denies violations, Audit records and warns, Disabled binds nothing.',
    ),
  }),
  'Kernel isolation for every agent pod (closes command execution and integrity threats).',
).prefault({});

// ---------------------------------------------------------------------------------------------------------------
// spec.podSecurity

const podSecuritySpec = field(
  z.strictObject({
    level: field(
      z.enum(['restricted', 'baseline']).default('restricted'),
      'The Pod Security Admission level set as enforce, audit and warn labels on the namespace.',
    ),
  }),
  'Pod Security Admission for the agent namespace.',
).prefault({});

// ---------------------------------------------------------------------------------------------------------------
// spec.network

const port = field(
  z.strictObject({
    port: field(
      z.union([
        z.number().int().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535'),
        z
          .string()
          .max(15, 'a named port is at most 15 characters')
          .regex(f.namedPort, 'must be a port number or a port name (lowercase letters, digits, single hyphens)')
          .regex(/[a-z]/, 'a named port must contain a letter'),
      ]),
      'A port number (1-65535) or a named container port.',
      [],
      {},
    ),
    protocol: field(z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'), 'TCP (default), UDP or SCTP.'),
  }),
  'A port the rule allows.',
  [{ message: 'a named port must contain a letter', cel: "type(self.port) == int || self.port.matches('[a-z]')", fieldPath: '.port' }],
);

/** Three field rules ask about each CIDR, and a few blocks recur in most policies: each text is checked once. */
const cidrChecks = new Map<string, string | undefined>();

function cidrCheck(text: string): string | undefined {
  if (cidrChecks.has(text)) return cidrChecks.get(text);
  const problem = checkCidr(text);
  if (cidrChecks.size >= 4096) cidrChecks.clear();
  cidrChecks.set(text, problem);
  return problem;
}

function checkCidr(text: string): string | undefined {
  try {
    const c = parseCidr(text);
    if (!isCanonical(c)) return `must be in canonical form (no host bits set): ${formatCidr(masked(c))}`;
    const blocked = unreachableRanges.find((r) => containsCidr(r, c));
    if (blocked !== undefined) return `lies inside ${formatCidr(blocked)}, a link-local or metadata range that is never reachable`;
    const embedded = ipv4InIpv6Ranges.find((r) => containsCidr(r, c));
    if (embedded !== undefined) return `${ipv4SpellingMessage} (it lies inside ${formatCidr(embedded)})`;
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const ipv4SpellingMessage = 'must not spell an IPv4 block as IPv6 (IPv4-mapped ::ffff:a.b.c.d or IPv4-compatible ::a.b.c.d): write the IPv4 CIDR';
// Kubernetes' CEL library refuses to parse an IPv4-mapped address (isCIDR is false for ::ffff:0:0/96, and the
// literal itself would fail), so the API server already rejects those through the canonical-CIDR rule; CEL checks
// the IPv4-compatible range here. The operator's own check covers both.
const celParsableEmbeddings = ipv4InIpv6Ranges.filter((r) => !formatCidr(r).startsWith('::ffff:'));
const ipv4InIpv6Cel = `[${celParsableEmbeddings.map((r) => `'${formatCidr(r)}'`).join(', ')}].all(r, !cidr(r).containsCIDR(self))`;
const unreachableCel = `[${unreachableRanges.map((r) => `'${formatCidr(r)}'`).join(', ')}].all(r, !cidr(r).containsCIDR(self))`;

const cidrString = field(
  z.string().max(49, 'must be at most 49 characters'),
  'An IPv4 or IPv6 CIDR in canonical form, e.g. 0.0.0.0/0, 203.0.113.0/24, ::/0, 2001:db8::/32.',
  [
    { message: 'must be a valid IPv4 or IPv6 CIDR in canonical form (no host bits set)', cel: 'isCIDR(self) && cidr(self) == cidr(self).masked()', test: (s) => { const m = cidrCheck(s); return m !== undefined && !m.startsWith('lies inside') && !m.startsWith(ipv4SpellingMessage) && { message: m }; } },
    { message: 'must not lie inside a link-local or metadata range (never reachable)', cel: `!isCIDR(self) || ${unreachableCel}`, test: (s) => { const m = cidrCheck(s); return m !== undefined && m.startsWith('lies inside') && { message: m }; } },
    { message: ipv4SpellingMessage, cel: `!isCIDR(self) || ${ipv4InIpv6Cel}`, test: (s) => { const m = cidrCheck(s); return m !== undefined && m.startsWith(ipv4SpellingMessage) && { message: m }; } },
  ],
);

const peer = field(
  z.strictObject({
    cidr: field(cidrString, 'An IP block: 0.0.0.0/0 is the IPv4 internet, ::/0 the IPv6 internet (write both for both families). Link-local and metadata ranges are always excepted, private ranges unless allowPrivate.').optional(),
    except: boundedList(cidrString, 'Blocks inside cidr to exclude, in addition to those Bulkhead always excepts.', 32).optional(),
    allowPrivate: field(z.boolean().optional(), 'Allow the private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) that cidr contains; by default they are excepted.'),
    namespaceName: dnsLabel('Pods in the namespace of this name (all of them, or those podSelector selects).').optional(),
    podSelector: field(labelSelector, 'Pods selected by labels: in namespaceName when set, otherwise in the agent namespace.').optional(),
    ports: boundedList(port, 'Ports allowed to this peer; empty allows every port.', 32).optional(),
  }),
  'One allowed peer: exactly one of cidr (with optional except, allowPrivate), namespaceName (with optional podSelector), or podSelector alone (pods of the agent namespace).',
  [
    {
      message: 'exactly one of cidr, namespaceName or podSelector must be set (podSelector may accompany namespaceName)',
      cel: 'has(self.cidr) != (has(self.namespaceName) || has(self.podSelector))',
      test: (p) => (p.cidr !== undefined) === (p.namespaceName !== undefined || p.podSelector !== undefined),
    },
    {
      message: 'except and allowPrivate apply only to a cidr peer',
      cel: 'has(self.cidr) || (!has(self.except) && !has(self.allowPrivate))',
      test: (p) => p.cidr === undefined && (p.except !== undefined || p.allowPrivate !== undefined) && { path: [p.except !== undefined ? 'except' : 'allowPrivate'] },
    },
    {
      message: 'every except entry must lie strictly inside cidr',
      cel: '!has(self.cidr) || !has(self.except) || !isCIDR(self.cidr) || self.except.all(e, isCIDR(e) && cidr(self.cidr).containsCIDR(e) && cidr(e).prefixLength() > cidr(self.cidr).prefixLength())',
      fieldPath: '.except',
      test: (p) => {
        if (p.cidr === undefined || p.except === undefined) return undefined;
        let outer;
        try {
          outer = parseCidr(p.cidr);
        } catch {
          return undefined; // the cidr field reports its own error
        }
        const index = p.except.findIndex((e) => {
          try {
            return !strictlyContainsCidr(outer, parseCidr(e));
          } catch {
            return false; // reported by the except entry itself
          }
        });
        return index >= 0 && { path: ['except', index], message: `"${p.except[index]}" does not lie strictly inside ${p.cidr}` };
      },
    },
  ],
);
export type NetworkPeer = z.output<typeof peer>;
export type NetworkPort = z.output<typeof port>;

const dnsSpec = field(
  z.strictObject({
    enabled: field(z.boolean().default(true), 'Allow DNS: UDP and TCP 53 to kube-dns in kube-system.'),
    nodeLocalAddress: field(
      z.string().max(39),
      'The NodeLocal DNSCache address (e.g. 169.254.20.10), allowed on port 53 besides kube-dns; empty when NodeLocal DNSCache does not run.',
      [
        {
          message: 'must be an IPv4 or IPv6 address, or empty',
          cel: "self == '' || isIP(self)",
          test: (s) => {
            if (s === '') return undefined;
            try {
              parseIp(s);
              return undefined;
            } catch {
              return {};
            }
          },
        },
        {
          message: 'must not be a cloud metadata address',
          cel: `self == '' || !isIP(self) || ${metadataAddresses.map((r) => `!cidr('${formatCidr(r)}').containsIP(self)`).join(' && ')}`,
          test: (s) => {
            if (s === '') return undefined;
            try {
              const ip = parseIp(s);
              return metadataAddresses.some((r) => containsCidr(r, { ...ip, prefix: ip.family === 4 ? 32 : 128 }));
            } catch {
              return undefined; // reported by the rule above
            }
          },
        },
        {
          message: ipv4SpellingMessage,
          cel: `self == '' || !isIP(self) || ${celParsableEmbeddings.map((r) => `!cidr('${formatCidr(r)}').containsIP(self)`).join(' && ')}`,
          test: (s) => {
            if (s === '' || !s.includes(':')) return undefined;
            try {
              const ip = parseIp(s);
              return ipv4InIpv6Ranges.some((r) => containsCidr(r, { ...ip, prefix: 128 }));
            } catch {
              return undefined; // reported by the rule above
            }
          },
        },
      ],
    ).optional(),
  }),
  'DNS resolution for agent pods.',
).prefault({});

const networkSpec = field(
  z.strictObject({
    ingress: boundedList(peer, 'Allowed sources of traffic into agent pods; empty denies all ingress.', 64).default([]),
    egress: boundedList(peer, 'Allowed destinations besides DNS; empty denies all egress but DNS.', 64).default([]),
    dns: dnsSpec,
  }),
  'Default-deny networking with explicit allow lists (closes exfiltration and unintended API calls).',
).prefault({});

// ---------------------------------------------------------------------------------------------------------------
// spec.rbac

const forbiddenVerbs = ['escalate', 'bind', 'impersonate'];
const noWildcard = (what: string): FieldRule<string[]> => ({
  message: `must not contain "*" in ${what}`,
  cel: "self.all(x, !x.contains('*'))",
  reason: 'FieldValueForbidden',
  test: (list) => {
    const i = list.findIndex((x) => x.includes('*'));
    return i >= 0 && { path: [i] };
  },
});
const rbacStrings = (description: string, what: string, max: number, min: number, extraRules: FieldRule<string[]>[] = []) =>
  field(
    z.array(str(`One of ${what}.`, 253)).min(min, `must have at least ${min} item`).max(max, `must have at most ${max} items`),
    description,
    [noWildcard(what), ...extraRules],
  );

const policyRule = field(
  z.strictObject({
    apiGroups: rbacStrings('API groups of the resources ("" is the core group). No "*".', 'apiGroups', 16, 1),
    resources: rbacStrings('Resources, with subresources as "pods/log". No "*".', 'resources', 32, 1),
    verbs: rbacStrings('Verbs. No "*", never escalate, bind or impersonate.', 'verbs', 16, 1, [
      {
        message: `must not grant ${forbiddenVerbs.join(', ')}`,
        cel: `self.all(v, !(v in [${forbiddenVerbs.map((v) => `'${v}'`).join(', ')}]))`,
        reason: 'FieldValueForbidden',
        test: (list) => {
          const i = list.findIndex((v) => forbiddenVerbs.includes(v));
          return i >= 0 && { path: [i], message: `must not grant "${list[i]}"` };
        },
      },
    ]),
    resourceNames: boundedList(str('A resource name.', 253), 'Restricts the rule to objects of these names.', 32).optional(),
    nonResourceURLs: field(
      z.array(str('A non-resource URL.', 253)).max(16).optional(),
      'Not allowed: a Role cannot carry nonResourceURLs. Present only to reject it with a clear message.',
    ),
  }),
  'One rule of the agent Role; it must lie inside the permission ceiling.',
  [
    {
      message: 'a Role cannot carry nonResourceURLs',
      cel: '!has(self.nonResourceURLs)',
      fieldPath: '.nonResourceURLs',
      reason: 'FieldValueForbidden',
      test: (r) => r.nonResourceURLs !== undefined && { path: ['nonResourceURLs'] },
    },
  ],
);
export type AgentPolicyRule = z.output<typeof policyRule>;

const rbacSpec = field(
  z.strictObject({
    serviceAccountName: dnsSubdomain('The ServiceAccount every agent pod must run as (default agent).').default('agent'),
    automountToken: field(z.boolean().default(false), 'Whether agent pods may mount the ServiceAccount token.'),
    rules: boundedList(policyRule, 'The agent Role in its namespace; every rule must lie inside the permission ceiling ClusterRole.', 64).default([]),
    clusterRoles: field(
      z.array(str('A ClusterRole name.', 253, f.rbacName, 'must be a valid RBAC name (no "/" or "%")')).max(16, 'must have at most 16 items'),
      'ClusterRoles bound inside the agent namespace; only those the operator is configured to bind (default: view).',
      [
        {
          message: 'must not repeat a ClusterRole',
          cel: 'self.all(x, self.exists_one(y, y == x))',
          reason: 'FieldValueDuplicate',
          test: (list) => {
            const i = list.findIndex((x, j) => list.indexOf(x) !== j);
            return i >= 0 && { path: [i] };
          },
        },
      ],
    ).default([]),
  }),
  'Least-privilege RBAC for the agent (closes unauthorized data access and privilege escalation).',
).prefault({});

// ---------------------------------------------------------------------------------------------------------------
// spec.apiRateLimit, spec.resources, spec.images, spec.secrets

const apiRateLimitSpec = field(
  z.strictObject({
    enabled: field(z.boolean().default(true), "Route the agent ServiceAccount's API requests to the shared, throttled priority level bulkhead-agents."),
  }),
  'API Priority and Fairness for the agent (closes resource exhaustion through the Kubernetes API).',
).prefault({});

const limitsSpec = field(
  z.strictObject({
    default: resourceMap('Default container limits (default: cpu 1, memory 1Gi).', 16).optional(),
    defaultRequest: resourceMap('Default container requests (default: cpu 100m, memory 128Mi).', 16).optional(),
    max: resourceMap('Maximum container limits (default: none).', 16).optional(),
  }),
  'The LimitRange for containers in the agent namespace; unset keys keep the defaults, clamped to max.',
).prefault({});

const resourcesSpec = field(
  z.strictObject({
    quota: resourceMap(
      'ResourceQuota.spec.hard of the agent namespace; each key overrides the default (pods 20, requests.cpu 4, requests.memory 8Gi, limits.cpu 8, limits.memory 16Gi, persistentvolumeclaims 5, requests.storage 50Gi, services.loadbalancers 0, services.nodeports 0).',
      64,
    ).default({}),
    limits: limitsSpec,
  }),
  'Quotas and limits (closes resource exhaustion and cost).',
).prefault({});

const imagesSpec = field(
  z.strictObject({
    allowedRegistries: boundedList(
      str(
        'A registry host with an optional path, e.g. "ghcr.io/acme/"; it matches that repository and those below it, on whole segments.',
        253,
        registryEntryPattern,
        registryEntryMessage,
      ),
      'Registries (and paths in them) agent images may come from, e.g. "ghcr.io/acme/". Matched on whole host and path segments after normalising the image as the container runtime does ("python" is "docker.io/library/python"); empty allows any.',
      32,
    ).default([]),
    requireDigest: field(z.boolean().default(false), 'Require images pinned by digest (@sha256:...).'),
  }),
  'Supply-chain rules for agent images, enforced at admission.',
).prefault({});

const secretSpec = field(
  z.strictObject({
    name: dnsSubdomain('Name of the Secret (and SealedSecret) in the agent namespace.'),
    type: str('The Secret type (default Opaque), e.g. kubernetes.io/dockerconfigjson.', 253).default('Opaque'),
    encryptedData: boundedMap(
      str('SealedSecret ciphertext, base64.', 1048576, f.base64, 'must be base64 ciphertext'),
      'Ciphertext per Secret key, sealed with strict scope for <namespace>/<name> (kubeseal or `bulkhead seal`).',
      64,
      f.secretKey,
      'must be a Secret key: letters, digits, "-", "_" and "."',
      [{ message: 'must have at least one key', test: (m) => Object.keys(m).length === 0 }],
    ),
  }),
  'A credential as a SealedSecret: only ciphertext lives in Git and in the policy.',
);

const secretsList = field(
  z.array(secretSpec).max(32, 'must have at most 32 items'),
  'Credentials of the agent as SealedSecrets (closes credential exposure).',
  [
    {
      message: 'secret names must be unique',
      test: (list) => {
        const i = list.findIndex((s, j) => list.findIndex((t) => t.name === s.name) !== j);
        return i >= 0 && { path: [i, 'name'], message: `duplicate secret name "${list[i]?.name}"` };
      },
    },
  ],
  { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
).default([]);

export type SecretSpec = z.output<typeof secretSpec>;

// ---------------------------------------------------------------------------------------------------------------
// The whole object

export const AgentPolicySpecSchema = field(
  z.strictObject({
    namespace: namespaceSpec,
    sandbox: sandboxSpec,
    podSecurity: podSecuritySpec,
    network: networkSpec,
    rbac: rbacSpec,
    apiRateLimit: apiRateLimitSpec,
    resources: resourcesSpec,
    images: imagesSpec,
    secrets: secretsList,
  }),
  "The agent's isolation envelope; every field names the threat it closes.",
);

export const ConditionSchema = field(
  z.object({
    type: str('Condition type: Ready, NamespaceReady, SandboxEnforced, NetworkIsolated, AccessControlled or SecretsSynced.', 316),
    status: field(z.enum(['True', 'False', 'Unknown']), 'True, False or Unknown.'),
    observedGeneration: field(z.number().int().min(0).optional(), 'The metadata.generation the condition was computed from.'),
    lastTransitionTime: field(z.string().meta({ format: 'date-time' }), 'When the status last changed.'),
    reason: str('CamelCase reason of the last transition.', 1024),
    message: str('Human-readable details.', 32768),
  }),
  'One observed aspect of the policy.',
);

export const AgentPolicyStatusSchema = field(
  z.object({
    observedGeneration: field(z.number().int().optional(), 'The metadata.generation the controller last acted on.'),
    namespace: str('The agent namespace.', 63).optional(),
    conditions: boundedList(ConditionSchema, 'Ready, NamespaceReady, SandboxEnforced, NetworkIsolated, AccessControlled, SecretsSynced.', 16, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }).optional(),
  }),
  'What the controller observed.',
);

const metadataSchema = z.looseObject({
  name: z.string().max(63, 'must be at most 63 characters').regex(f.dns1123Label, labelMessage),
  uid: z.string().optional(),
  generation: z.number().optional(),
});

export const AgentPolicySchema = field(
  z.strictObject({
    apiVersion: z.literal(apiVersion, { error: `must be ${apiVersion}` }),
    kind: z.literal(kind, { error: `must be ${kind}` }),
    metadata: metadataSchema,
    spec: AgentPolicySpecSchema.prefault({}),
    status: AgentPolicyStatusSchema.optional(),
  }),
  'AgentPolicy isolates one AI agent workload: a namespace, default-deny networking, a sandboxed runtime, least-privilege RBAC, an API rate limit, quotas and sealed credentials.',
  [
    // metadata.name's format is a pattern on the CRD's metadata schema (agent-policy-crd.ts): a root rule cannot
    // afford an unbounded regex. That schema declaring metadata.name is also what makes .metadata.name a valid
    // fieldPath here, so the API server's error names the field rather than the root ("<nil>").
    {
      message: 'metadata.name must be at most 57 characters when spec.namespace.name is not set (the namespace is agent-<name>)',
      cel: "(has(self.spec.namespace) && has(self.spec.namespace.name)) || size(self.metadata.name) <= 57",
      fieldPath: '.metadata.name',
      test: (p) => p.spec.namespace.name === undefined && p.metadata.name.length > 57 && { path: ['metadata', 'name'] },
    },
  ],
);

export type AgentPolicy = z.output<typeof AgentPolicySchema>;
export type AgentPolicyInput = z.input<typeof AgentPolicySchema>;
export type AgentPolicySpec = AgentPolicy['spec'];
export type AgentPolicyStatus = z.output<typeof AgentPolicyStatusSchema>;
export type Condition = z.output<typeof ConditionSchema>;
