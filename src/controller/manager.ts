/**
 * The running operator: the health and metrics endpoints, leader election, and the controllers (controllers.ts)
 * started while leading. Stops gracefully: in-flight reconciles drain, informers stop, the lease is released.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import { makeKubeClients } from '../kube/client.ts';
import { kubeLeaseStore } from '../kube/lease-store.ts';
import type { Metrics } from '../observability/controller-metrics.ts';
import { startHealthServer, type HealthServer } from '../observability/health-server.ts';
import { Controllers } from './controllers.ts';
import { LeaderElector } from './leader-election.ts';

export interface LeaderElectionSettings {
  readonly namespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  readonly config: OperatorConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Policies reconciled at once (never two passes of one policy). */
  readonly concurrency?: number;
  /** Every policy is reconciled again this often, events or not (default 1 hour). */
  readonly resyncMs?: number;
  /** How often discovery is asked whether optional kinds (SealedSecret) are served (default 5 s). */
  readonly kindDiscoveryMs?: number;
  /** Port of /healthz, /readyz, /metrics; 0 picks one; undefined serves nothing. */
  readonly healthPort?: number;
  /** How often the isolation audit looks for objects that widen an envelope from outside (default 10 minutes). */
  readonly auditIntervalMs?: number;
  /** Undefined runs without leader election (a single replica, or tests). */
  readonly leaderElection?: LeaderElectionSettings;
  readonly now?: () => Date;
}

/** How long a graceful stop lets in-flight reconciles finish before their requests are aborted. */
const stopGraceMs = 10_000;

export type StopReason = 'stopped' | 'lost-leadership';

export interface RunningManager {
  /** Settles when the manager has stopped, saying why. */
  readonly done: Promise<StopReason>;
  readonly healthPort: number | undefined;
  isLeading(): boolean;
  /** Graceful stop: drain, stop informers, release the lease. */
  stop(): Promise<void>;
}

export async function startManager(options: ManagerOptions): Promise<RunningManager> {
  const log = options.log;
  const observe = (method: string, code: string, host: string): void => options.metrics.restClientRequests.inc({ code, method, host });
  // Reconciles' requests are aborted when the operator loses leadership (another replica may already write) or when
  // a graceful stop outlasts its grace; the lease has clients of its own, so it can still be released.
  const work = new AbortController();
  const clients = makeKubeClients(options.kubeConfig, { observe, signal: work.signal });
  const leaseClients = makeKubeClients(options.kubeConfig, { observe });
  let controllers: Controllers | undefined;
  let leading = options.leaderElection === undefined;
  let settle: (reason: StopReason) => void = () => undefined;
  const done = new Promise<StopReason>((resolve) => (settle = resolve));

  const health: HealthServer | undefined =
    options.healthPort === undefined
      ? undefined
      : await startHealthServer({
          port: options.healthPort,
          host: '0.0.0.0',
          // A standby replica is ready (it serves nothing but waits its turn); a leader once its caches synced.
          ready: () => (!leading ? true : controllers?.synced === true ? true : 'caches not synced'),
          metrics: () => options.metrics.registry.render(),
        });

  const startControllers = async (): Promise<void> => {
    controllers = new Controllers(options, clients);
    await controllers.start();
  };
  const failStart = (error: unknown): void => {
    log.error({ err: error }, 'controllers failed to start');
    void stop('lost-leadership');
  };

  let elector: LeaderElector | undefined;
  if (options.leaderElection === undefined) {
    startControllers().catch(failStart);
  } else {
    const election = options.leaderElection;
    elector = new LeaderElector({
      store: kubeLeaseStore(leaseClients.coordination, election.namespace, election.leaseName),
      identity: election.identity,
      ...(election.leaseDurationMs === undefined ? {} : { leaseDurationMs: election.leaseDurationMs }),
      ...(election.renewDeadlineMs === undefined ? {} : { renewDeadlineMs: election.renewDeadlineMs }),
      ...(election.retryPeriodMs === undefined ? {} : { retryPeriodMs: election.retryPeriodMs }),
      onStartedLeading: () => {
        leading = true;
        log.info({ identity: election.identity }, 'became leader');
        startControllers().catch(failStart);
      },
      onStoppedLeading: (reason) => {
        leading = false;
        if (reason === 'lost') {
          // Another replica may already be reconciling: stop at once, like controller-runtime, and let the
          // process exit so it restarts as a fresh candidate.
          log.error({ identity: election.identity }, 'lost leadership; stopping');
          void stop('lost-leadership');
        }
      },
      onError: (error) => log.warn({ err: error }, 'leader election attempt failed'),
    });
    void elector.run();
    log.info({ identity: election.identity, lease: `${election.namespace}/${election.leaseName}` }, 'waiting for leadership');
  }

  let stopping: Promise<void> | undefined;
  const stop = (reason: StopReason = 'stopped'): Promise<void> =>
    (stopping ??= (async () => {
      if (reason === 'lost-leadership') work.abort(new Error('lost leadership'));
      const grace = setTimeout(() => work.abort(new Error('stopping: in-flight requests outlasted the grace period')), stopGraceMs);
      await controllers?.stop();
      clearTimeout(grace);
      await elector?.stop();
      await health?.close();
      log.info({ reason }, 'stopped');
      settle(reason);
    })());

  return {
    done,
    healthPort: health?.port,
    isLeading: () => leading,
    stop: () => stop(),
  };
}

