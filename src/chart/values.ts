/**
 * The Helm chart's values: one zod schema that gives their types, defaults and documentation. values.yaml (with a
 * comment on every key) and values.schema.json (which Helm uses to refuse wrong types and unknown keys) are both
 * generated from it, and install.yaml is the chart rendered with its defaults. The operator settings under `config`
 * are OperatorConfig itself, so a setting the operator gains becomes a value, with the same format rules.
 */
import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { dns1123Subdomain, labelValue, nonNegativeQuantity, qualifiedName } from '../api/v1alpha1/formats.ts';
import { OperatorConfig } from '../config.ts';

/** What the chart sets from the Helm release rather than from values. */
const releaseSettings = { operatorNamespace: true, operatorServiceAccount: true } as const;
export type ChartConfigKey = Exclude<keyof OperatorConfig, keyof typeof releaseSettings>;

/** values.yaml's comment for each operator setting; a new setting fails the type check until it is documented. */
const configDescriptions: Record<ChartConfigKey, string> = {
  ceilingClusterRole:
    'The permission ceiling: a ClusterRole that caps every agent Role. The chart installs it with the default rules; ' +
    'the operator binds it to itself inside each agent namespace only.',
  bindableClusterRoles: 'ClusterRoles an AgentPolicy may bind in its namespace (spec.rbac.clusterRoles); the operator may bind only these.',
  agentPodsAdmissionPolicyName: 'Name of the ValidatingAdmissionPolicy that every pod in an agent namespace must pass.',
  priorityLevelName: 'Name of the throttled PriorityLevelConfiguration that every agent FlowSchema routes to.',
  flowSchemaMatchingPrecedence:
    'matchingPrecedence of each agent FlowSchema (lower wins): after the system FlowSchemas, before service-accounts (9000).',
  dnsNamespace: 'Namespace of the cluster DNS pods that agents may reach on port 53.',
  dnsPodLabels: 'Labels of the cluster DNS pods (CoreDNS keeps k8s-app: kube-dns).',
};

const configShape = OperatorConfig.omit(releaseSettings).shape;
const chartConfig = z.strictObject(
  Object.fromEntries(
    Object.entries(configShape).map(([key, schema]) => [key, schema.meta({ description: configDescriptions[key as ChartConfigKey] })]),
  ) as typeof configShape,
);

const quantities = z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), z.string().regex(nonNegativeQuantity, 'must be a quantity'));
const labels = z.record(z.string().regex(qualifiedName, 'must be a label key'), z.string().regex(labelValue, 'must be a label value'));
const duration = z.string().regex(/^[0-9]+(ms|s|m|h)$/, 'must be a duration like 30s, 10m or 1h');
/** Kubernetes objects the chart passes through unchanged (the API server validates them). */
const passThrough = z.record(z.string(), z.unknown());
const described = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ description });
/** A group of values; every value in it has a default, so the group defaults to {} filled in by its fields. */
const section = <T extends z.ZodRawShape>(description: string, shape: T) =>
  z.strictObject(shape).prefault({} as z.input<z.ZodObject<T, z.core.$strict>>).meta({ description });

export const ChartValues = z.strictObject({
  image: section('The operator image.', {
    repository: described(z.string().min(1).default('ghcr.io/bulkhead-dev/bulkhead'), 'Where the release workflow publishes the image.'),
    tag: described(z.string().min(1).default(packageJson.version), 'Image tag; ignored when digest is set.'),
    digest: described(
      z.string().regex(/^(sha256:[a-f0-9]{64})?$/, 'must be empty or sha256:<64 hex digits>').default(''),
      'Pin the image by digest (sha256:...); wins over tag.',
    ),
    pullPolicy: described(z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'), 'imagePullPolicy of the operator container.'),
  }),
  imagePullSecrets: described(
    z.array(z.strictObject({ name: z.string().regex(dns1123Subdomain) })).default([]),
    'Secrets to pull the image with, e.g. [{name: regcred}].',
  ),
  replicaCount: described(
    z.number().int().min(0).default(2),
    'Operator replicas; one leads (leader election) and the others stand by to take over within seconds.',
  ),
  leaderElection: section('Leader election on a coordination.k8s.io Lease in the release namespace.', {
    enabled: described(z.boolean().default(true), 'Turn off only with a single replica.'),
  }),
  logLevel: described(z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'), 'Operator log level (JSON lines on stdout).'),
  concurrency: described(z.number().int().min(1).max(64).default(4), 'AgentPolicies reconciled at once.'),
  resync: described(duration.default('10m'), 'Every policy is reconciled this often even without events.'),
  resources: section('Requests and limits of the operator container.', {
    requests: described(quantities.default({ cpu: '100m', memory: '128Mi' }), 'Requests of the operator container (cpu, memory, ephemeral-storage).'),
    limits: described(
      quantities.default({ cpu: '1', memory: '512Mi' }),
      'Limits of the operator container (cpu, memory, ephemeral-storage). Memory: about 150Mi plus 75Mi per 1,000 AgentPolicies, for the peak while converging (512Mi fits about 4,500; 10,000 peaked at 880Mi, so give them 1Gi); the JavaScript heap may use 75% of it.',
    ),
  }),
  serviceAccount: section("The operator's ServiceAccount (the only identity tamper protection lets write an agent's envelope).", {
    name: described(z.string().regex(dns1123Subdomain, 'must be a DNS-1123 subdomain').default('bulkhead'), "Name of the operator's ServiceAccount."),
  }),
  podAnnotations: described(labels.default({}), 'Annotations on the operator pods.'),
  nodeSelector: described(labels.default({}), 'nodeSelector of the operator pods.'),
  tolerations: described(z.array(passThrough).default([]), 'Tolerations of the operator pods.'),
  affinity: described(passThrough.default({}), 'Affinity of the operator pods.'),
  podDisruptionBudget: section('A PodDisruptionBudget for the operator pods.', {
    enabled: described(z.boolean().default(true), 'Create the PodDisruptionBudget.'),
    maxUnavailable: described(z.number().int().min(1).default(1), 'Operator pods a voluntary disruption may take down at once.'),
  }),
  metrics: section('Prometheus metrics on port 8081 (/metrics).', {
    service: section('A ClusterIP Service in front of the metrics port.', {
      port: described(z.number().int().min(1).max(65535).default(8081), 'Service port (the container serves on 8081).'),
    }),
    serviceMonitor: section('A Prometheus Operator ServiceMonitor (needs its CRD, monitoring.coreos.com/v1).', {
      enabled: described(z.boolean().default(false), 'Create the ServiceMonitor.'),
      interval: described(duration.default('30s'), 'Scrape interval.'),
      labels: described(labels.default({}), 'Extra labels, e.g. the one your Prometheus selects ServiceMonitors by.'),
    }),
  }),
  config: chartConfig.prefault({}).meta({
    description: "Operator settings, passed as BULKHEAD_* environment variables (see `bulkhead controller --help`).",
  }),
});
export type ChartValues = z.output<typeof ChartValues>;

export const defaultChartValues: ChartValues = ChartValues.parse({});

/**
 * Helm's merge of user values over the chart's: maps merge key by key, anything else (lists included) replaces, and
 * null deletes a key. Tests use it to know what a values file means without Helm.
 */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeValues(base[key], value);
  }
  return merged;
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The values a user file means, parsed: Helm's merge over the defaults, then the schema. */
export function resolveValues(overrides: Record<string, unknown> = {}): ChartValues {
  return ChartValues.parse(mergeValues(defaultChartValues, overrides));
}

/** The operator configuration a release with these values runs with. */
export function operatorConfigOf(values: ChartValues, releaseNamespace: string): OperatorConfig {
  return { ...values.config, operatorNamespace: releaseNamespace, operatorServiceAccount: values.serviceAccount.name };
}

/** values.schema.json: the JSON Schema of the values, without zod's defaults (values.yaml holds them). */
export function valuesJsonSchema(): Record<string, unknown> {
  return stripNoise(z.toJSONSchema(ChartValues, { io: 'input' })) as Record<string, unknown>;
}

function stripNoise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripNoise);
  if (!isMap(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'default') continue;
    if ((key === 'maximum' && value === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && value === Number.MIN_SAFE_INTEGER)) continue;
    out[key] = stripNoise(value);
  }
  return out;
}
