import { hostname } from 'node:os';
import { loadOperatorConfig } from '../config.ts';
import { leaderIdentity } from '../controller/leader-election.ts';
import { startManager } from '../controller/manager.ts';
import { loadKubeConfig } from '../kube/client.ts';
import { withTokenFile } from '../kube/identity.ts';
import { Metrics } from '../observability/controller-metrics.ts';
import { createLogger } from '../observability/logger.ts';
import { UsageError, type Command, type CommandIO } from './command.ts';
import { parseDuration } from './duration.ts';
import { parseFlags } from './flags.ts';
import { checkOperatorIdentity } from './operator-identity.ts';

const help = `Usage: bulkhead controller [flags]

Runs the operator: watches AgentPolicies and keeps each one's isolation envelope (namespace, NetworkPolicies,
RuntimeClass, admission binding, RBAC, FlowSchema, quotas, SealedSecrets) exactly as its spec says, repairing
drift on every pass. Logs are JSON lines on stdout; secret values are never logged.

Flags:
      --kubeconfig FILE        kubeconfig to use (default: in-cluster credentials in a pod, else $KUBECONFIG or
                               ~/.kube/config)
      --context NAME           kubeconfig context (default: its current context)
      --token-file FILE        authenticate with the bearer token in FILE (read again every minute) instead of the
                               kubeconfig's user: run outside the cluster as the operator's ServiceAccount, e.g.
                               kubectl create token bulkhead -n bulkhead-system --duration=24h > bulkhead.token
      --concurrency N          policies reconciled at once (default 4)
      --resync DURATION        reconcile every policy this often even without events (default 10m)
      --audit-interval D       the isolation audit finds what widens an envelope from outside: foreign bindings and
                               NetworkPolicies (watched, seen at once), pods off the sandbox and hand-written
                               Secrets (listed when the namespace's census quota counts a change). As a safety net
                               it lists every agent namespace's Secrets again this often (default 1h), at most one
                               namespace every 15s. The Isolated condition and bulkhead_envelope_widenings report them
      --discovery-interval D   how often to check whether optional kinds (SealedSecret) are served, as a safety
                               net (default 5m): their CRDs are watched, so installing or removing Sealed
                               Secrets is noticed within seconds
      --health-port PORT       /healthz, /readyz and /metrics (default 8081; 0 picks a free port)
      --leader-elect=false     run without leader election (only with a single replica)
      --lease-name NAME        the coordination.k8s.io Lease (default bulkhead-controller)
      --lease-namespace NS     where the Lease lives (default: the operator namespace, bulkhead-system)
      --lease-duration D       15s; --renew-deadline D 10s; --retry-period D 2s (client-go's defaults)
      --log-level LEVEL        trace, debug, info (default), warn, error
  -h, --help                   show this help

Operator settings come from the environment the chart sets: BULKHEAD_OPERATOR_NAMESPACE,
BULKHEAD_OPERATOR_SERVICE_ACCOUNT, BULKHEAD_CEILING_CLUSTER_ROLE, BULKHEAD_BINDABLE_CLUSTER_ROLES,
BULKHEAD_AGENT_PODS_ADMISSION_POLICY, BULKHEAD_PRIORITY_LEVEL, BULKHEAD_DNS_NAMESPACE, BULKHEAD_DNS_POD_LABELS.

At start it asks the API server who it is (SelfSubjectReview) and warns unless it is the operator's ServiceAccount
(system:serviceaccount:<BULKHEAD_OPERATOR_NAMESPACE>:<BULKHEAD_OPERATOR_SERVICE_ACCOUNT>): tamper protection refuses
envelope writes by anyone else, the cluster admin included.

Stops gracefully on SIGTERM or SIGINT: reconciles in flight finish, the Lease is released. Exits 1 if it
loses leadership (another replica took over), so the pod restarts as a fresh candidate.

Examples:
  bulkhead controller --token-file bulkhead.token --leader-elect=false
  bulkhead controller --health-port 0 --log-level debug`;

function positiveInteger(flag: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be an integer >= ${min}, not "${text}"`);
  return value;
}

/** Discovery is one small request per poll; below a second it would only add load. */
function discoveryInterval(text: string | undefined): number {
  const ms = parseDuration('discovery-interval', text ?? '5m');
  if (ms < 1_000) throw new UsageError(`--discovery-interval must be at least 1s, not "${text}"`);
  return ms;
}

export const controllerCommand: Command = {
  name: 'controller',
  summary: 'run the operator against the current cluster',
  help,
  async run(args: readonly string[], _io: CommandIO): Promise<number> {
    const { values } = parseFlags(args, {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'token-file': { type: 'string' },
      concurrency: { type: 'string' },
      resync: { type: 'string' },
      'audit-interval': { type: 'string' },
      'discovery-interval': { type: 'string' },
      'health-port': { type: 'string' },
      'leader-elect': { type: 'string' },
      'lease-name': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-duration': { type: 'string' },
      'renew-deadline': { type: 'string' },
      'retry-period': { type: 'string' },
      'log-level': { type: 'string' },
    });
    const leaderElect = values['leader-elect'] ?? 'true';
    if (leaderElect !== 'true' && leaderElect !== 'false') throw new UsageError('--leader-elect must be true or false');
    const level = values['log-level'] ?? 'info';
    if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level must be trace, debug, info, warn or error`);

    const config = loadOperatorConfig(process.env);
    const log = createLogger({ level, base: { pod: process.env['POD_NAME'] ?? hostname() } });
    const loaded = loadKubeConfig({ kubeconfigPath: values.kubeconfig, context: values.context });
    const kubeConfig = values['token-file'] === undefined ? loaded : withTokenFile(loaded, values['token-file']);
    await checkOperatorIdentity(kubeConfig, config, log);
    const manager = await startManager({
      kubeConfig,
      config,
      log,
      metrics: new Metrics(),
      concurrency: positiveInteger('concurrency', values.concurrency, 4),
      resyncMs: values.resync === undefined ? 600_000 : parseDuration('resync', values.resync),
      auditIntervalMs: parseDuration('audit-interval', values['audit-interval'] ?? '1h'),
      kindDiscoveryMs: discoveryInterval(values['discovery-interval']),
      healthPort: positiveInteger('health-port', values['health-port'], 8081, 0),
      ...(leaderElect === 'false'
        ? {}
        : {
            leaderElection: {
              namespace: values['lease-namespace'] ?? config.operatorNamespace,
              leaseName: values['lease-name'] ?? 'bulkhead-controller',
              identity: leaderIdentity(),
              leaseDurationMs: parseDuration('lease-duration', values['lease-duration'] ?? '15s'),
              renewDeadlineMs: parseDuration('renew-deadline', values['renew-deadline'] ?? '10s'),
              retryPeriodMs: parseDuration('retry-period', values['retry-period'] ?? '2s'),
            },
          }),
    });
    log.info({ healthPort: manager.healthPort }, 'bulkhead controller started');
    const shutdown = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      void manager.stop();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    const reason = await manager.done;
    return reason === 'stopped' ? 0 : 1;
  },
};
