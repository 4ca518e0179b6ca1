/**
 * Everything the chart installs, as plain objects built from the same functions as the operator's own view of the
 * cluster (clusterManifests, the CRD, OperatorConfig): the CRD, the operator identity and RBAC, the ceiling, the
 * priority level, the admission policies, and the operator Deployment with its Service, PodDisruptionBudget and
 * optional ServiceMonitor. Called with real values it gives install.yaml; called with symbolic values (helm-template.ts)
 * it gives the chart's templates. So the code may place a value anywhere but never branch on one: a choice that depends
 * on values goes through ChartFunctions or a `when`.
 */
import packageJson from '../../package.json' with { type: 'json' };
import { clusterManifests } from '../cluster/manifests.ts';
import { installLabels } from '../cluster/labels.ts';
import { operatorConfigEnv, type OperatorConfig } from '../config.ts';
import { agentPolicyCrd } from '../crd/agent-policy-crd.ts';
import { envFormatOf, formatEnvValue } from './operator-env.ts';
import { operatorConfigOf, type ChartValues } from './values.ts';

export interface Release {
  readonly name: string;
  readonly namespace: string;
}

/** The release install.yaml stands for: `helm install bulkhead charts/bulkhead -n bulkhead-system`. */
export const defaultRelease: Release = { name: 'bulkhead', namespace: 'bulkhead-system' };

/** Choices that depend on values, computed in TypeScript for install.yaml and by a Helm helper in the chart. */
export interface ChartFunctions {
  /** repository@digest, or repository:tag without a digest. */
  image(values: ChartValues): string;
  /** The value of one BULKHEAD_* variable. */
  env(key: keyof OperatorConfig, config: OperatorConfig): string;
  /** User labels under fixed ones: a fixed label always wins. */
  withLabels(fixed: Record<string, string>, extra: Record<string, string>): Record<string, string>;
}

export interface ChartObject {
  /** The template file it goes to, without .yaml. */
  readonly file: string;
  readonly object: KubeObject;
  /** Installed only when this value is true. */
  readonly when?: boolean;
  /** Labels from values, under the object's own (which win). */
  readonly extraLabels?: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The container port of /healthz, /readyz and /metrics (the controller's --health-port). */
export const healthPort = 8081;
const version = packageJson.version;

export function installObjects(values: ChartValues, release: Release, fns: ChartFunctions): ChartObject[] {
  const config = operatorConfigOf(values, release.namespace);
  const releaseLabels = { 'app.kubernetes.io/instance': release.name, 'app.kubernetes.io/version': version };
  const labelled = ({ object, extraLabels }: ChartObject): KubeObject => {
    const labels = { ...object.metadata.labels, ...releaseLabels };
    return { ...object, metadata: { ...object.metadata, labels: extraLabels === undefined ? labels : fns.withLabels(labels, extraLabels) } };
  };
  const cluster = (clusterManifests(config) as KubeObject[]).filter((o) => o.kind !== 'Namespace');
  const objects: ChartObject[] = [
    { file: 'crd', object: keptCrd() },
    ...cluster.map((object) => ({ file: object.metadata.labels?.['app.kubernetes.io/component'] ?? object.kind.toLowerCase(), object })),
    ...operatorWorkload(values, release, config, fns),
  ];
  return objects.map((o) => ({ ...o, object: labelled(o) }));
}

/**
 * The CRD as a template, not in crds/: Helm never upgrades crds/, and a CRD must follow the chart. `keep` stops
 * `helm uninstall` from deleting it, which would delete every AgentPolicy and, through them, every agent namespace.
 */
function keptCrd(): KubeObject {
  const crd = agentPolicyCrd() as unknown as KubeObject;
  return { ...crd, metadata: { ...crd.metadata, annotations: { 'helm.sh/resource-policy': 'keep' } } };
}

function operatorWorkload(values: ChartValues, release: Release, config: OperatorConfig, fns: ChartFunctions): ChartObject[] {
  const namespace = release.namespace;
  const selector = { ...installLabels('operator'), 'app.kubernetes.io/instance': release.name };
  const metricsLabels = installLabels('metrics');
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bulkhead', namespace, labels: installLabels('operator') },
    spec: {
      replicas: values.replicaCount,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...selector, 'app.kubernetes.io/version': version }, annotations: values.podAnnotations },
        spec: {
          serviceAccountName: values.serviceAccount.name,
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          imagePullSecrets: values.imagePullSecrets,
          // Pod Security `restricted`: the distroless image's nonroot user, no privilege, the runtime's seccomp profile.
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'operator',
              image: fns.image(values),
              imagePullPolicy: values.image.pullPolicy,
              args: [
                'controller',
                `--health-port=${healthPort}`,
                `--leader-elect=${values.leaderElection.enabled}`,
                `--log-level=${values.logLevel}`,
                `--concurrency=${values.concurrency}`,
                `--resync=${values.resync}`,
              ],
              env: [
                ...Object.entries(operatorConfigEnv).map(([key, name]) => ({ name, value: fns.env(key as keyof OperatorConfig, config) })),
                // Log lines and the leader-election identity name the pod.
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              ports: [{ name: 'http', containerPort: healthPort, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
              resources: values.resources,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          // The root file system is read-only; Node and its libraries may still want a scratch directory.
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
          terminationGracePeriodSeconds: 30,
          nodeSelector: values.nodeSelector,
          tolerations: values.tolerations,
          affinity: values.affinity,
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'bulkhead-metrics', namespace, labels: metricsLabels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http-metrics', port: values.metrics.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const pdb: KubeObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'bulkhead', namespace, labels: installLabels('operator') },
    spec: { maxUnavailable: values.podDisruptionBudget.maxUnavailable, selector: { matchLabels: selector } },
  };
  const serviceMonitor: KubeObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'bulkhead', namespace, labels: metricsLabels },
    spec: {
      selector: { matchLabels: { ...metricsLabels, 'app.kubernetes.io/instance': release.name } },
      endpoints: [{ port: 'http-metrics', path: '/metrics', interval: values.metrics.serviceMonitor.interval }],
    },
  };
  return [
    { file: 'deployment', object: deployment },
    { file: 'metrics-service', object: service },
    { file: 'pod-disruption-budget', object: pdb, when: values.podDisruptionBudget.enabled },
    {
      file: 'service-monitor',
      object: serviceMonitor,
      when: values.metrics.serviceMonitor.enabled,
      extraLabels: values.metrics.serviceMonitor.labels,
    },
  ];
}

/** The functions for real values: install.yaml, and what tests expect the chart to render. */
export const realFunctions: ChartFunctions = {
  image: (values) =>
    values.image.digest === '' ? `${values.image.repository}:${values.image.tag}` : `${values.image.repository}@${values.image.digest}`,
  env: (key, config) => formatEnvValue(envFormatOf(key), config[key]),
  withLabels: (fixed, extra) => ({ ...extra, ...fixed }),
};


/** The objects of a release with real values, those switched off left out. */
export function renderInstall(values: ChartValues, release: Release = defaultRelease): KubeObject[] {
  return installObjects(values, release, realFunctions)
    .filter((o) => o.when !== false)
    .map((o) => o.object);
}
