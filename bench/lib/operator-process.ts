/**
 * The operator under test, as its own process (what production runs: `node bulkhead.mjs controller`), authenticated
 * as its ServiceAccount with a TokenRequest token in a file, leader election on, default concurrency. A separate
 * process so its memory and CPU are its own, not mixed with the benchmark's caches and bookkeeping. It is registered
 * with the control plane's reaper, so it dies with the benchmark.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { defaultOperatorConfig } from '../../src/config.ts';
import { freePort } from '../../test/support/control-plane/ports.ts';
import { logTail, startComponent, stopComponent, type Component } from '../../test/support/control-plane/processes.ts';
import { probe, waitUntil } from '../../test/support/control-plane/readiness.ts';
import { parseMetrics, sumOf, type Sample } from './prometheus.ts';
import { processCpuSeconds, processMemory, type ProcessMemory } from './proc.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const probeModule = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

export interface OperatorMemory extends ProcessMemory {
  /** After a full collection (the probe's gc()). */
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  /** RSS right after that collection. */
  readonly rssAfterGc: number;
  /**
   * Seconds the measurement waited for the operator's own memory-reducing collection once idle (heap-reclaimer.ts),
   * or undefined when it does not reclaim (no --expose-gc in the image) or none came within the wait.
   */
  readonly reclaimWaitSeconds?: number;
}

export interface OperatorProcess {
  readonly pid: number;
  readonly healthPort: number;
  metrics(): Promise<Sample[]>;
  /**
   * Full garbage collection in the operator, then its memory. With `afterReclaimBeyond`, first waits (up to three
   * minutes) for the operator's idle reclaim counter to pass that value and then stand still for 12 s (the reclaim's
   * last pass): the memory it settles at once idle.
   */
  memory(options?: { readonly afterReclaimBeyond?: number }): Promise<OperatorMemory>;
  /** bulkhead_heap_reclaims_total: the operator's memory-reducing collections so far. */
  reclaims(): Promise<number>;
  cpuSeconds(): number;
  stop(): Promise<void>;
  logTail(): string;
}

export interface OperatorProcessOptions {
  readonly workDir: string;
  /** The admin kubeconfig: the operator takes its cluster and CA, and authenticates with the token file instead. */
  readonly kubeconfigPath: string;
  readonly admin: k8s.KubeConfig;
  readonly kind: 'bundle' | 'source';
  readonly resync?: string;
  /** Distinguishes the log files of successive operator processes of one run. */
  readonly name: string;
}

/** A token of the operator's ServiceAccount in a file (12 hours: a 10,000-policy run is long). */
export async function writeOperatorToken(admin: k8s.KubeConfig, workDir: string): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: defaultOperatorConfig.operatorServiceAccount,
    namespace: defaultOperatorConfig.operatorNamespace,
    body: { spec: { audiences: [], expirationSeconds: 12 * 3600 } },
  });
  const token = request.status?.token;
  if (token === undefined) throw new Error('TokenRequest returned no token');
  const path = join(workDir, 'bulkhead.token');
  writeFileSync(path, token, { mode: 0o600 });
  return path;
}

/** NAME=value pairs separated by spaces (no quoting), as BENCH_OPERATOR_ENV and the Dockerfile's ENV spell them. */
export function parseEnvPairs(text: string, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at < 1 || /["'\\$]/.test(pair)) throw new Error(`${where}: "${pair}" is not a plain NAME=value`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

/** How the image runs the operator: the Node flags of its ENTRYPOINT and the variables of its ENV. */
export interface ImageRuntime {
  readonly nodeFlags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Pure: the runtime stage's ENTRYPOINT flags (between the node binary and the bundle) and ENV variables, from the
 * Dockerfile's text, so that the benchmark runs the operator as the image does and its figures describe what ships.
 * Refuses what it does not understand (a shell-form ENTRYPOINT, quoted ENV values) rather than guess.
 */
export function imageRuntime(dockerfile: string): ImageRuntime {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const runtimeStage = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  let nodeFlags: string[] | undefined;
  let env: Record<string, string> = {};
  for (const line of runtimeStage) {
    if (/^ENV\s/i.test(line)) env = { ...env, ...parseEnvPairs(line.slice(4), 'Dockerfile ENV') };
    if (/^ENTRYPOINT\s/i.test(line)) {
      let entrypoint: unknown;
      try {
        entrypoint = JSON.parse(line.slice('ENTRYPOINT'.length));
      } catch {
        entrypoint = undefined; // shell form
      }
      const bundleAt = Array.isArray(entrypoint) ? entrypoint.findIndex((a) => typeof a === 'string' && a.endsWith('bulkhead.mjs')) : -1;
      if (!Array.isArray(entrypoint) || bundleAt < 1) throw new Error(`Dockerfile: ENTRYPOINT is not ["node", ...flags, "bulkhead.mjs"]: ${line}`);
      nodeFlags = (entrypoint as string[]).slice(1, bundleAt);
    }
  }
  if (nodeFlags === undefined) throw new Error('Dockerfile: the runtime stage has no ENTRYPOINT');
  return { nodeFlags, env };
}

/**
 * The image's runtime, read from the repository's Dockerfile; BENCH_OPERATOR_PLAIN=1 runs plain Node instead (only
 * NODE_ENV=production), to measure what the image's settings change.
 */
export function operatorRuntime(env: Readonly<Record<string, string | undefined>> = process.env): ImageRuntime {
  if (env['BENCH_OPERATOR_PLAIN'] === '1') return { nodeFlags: [], env: { NODE_ENV: 'production' } };
  return imageRuntime(readFileSync(join(repository, 'Dockerfile'), 'utf8'));
}

/** Where each operator's log is copied when it exits: the control plane's work directory is removed with it. */
export const keptLogDir = join(repository, 'bench/logs');

/**
 * Copies the operator's log out of the work directory once the process exits, expected or not, so an operator lost
 * in the middle of a long run (the 10,000-policy one) can still be explained.
 */
function keepLogWhenExited(component: Component): void {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  void component.exited.then(() => {
    try {
      mkdirSync(keptLogDir, { recursive: true });
      const kept = join(keptLogDir, `${stamp}-${component.name}.log`);
      copyFileSync(component.logPath, kept);
      process.stderr.write(`operator log kept at ${kept}\n`);
    } catch (error) {
      process.stderr.write(`operator log not kept: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
}

export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const tokenFile = await writeOperatorToken(options.admin, options.workDir);
  const healthPort = await freePort();
  const memoryFile = join(options.workDir, `${options.name}.memory.json`);
  const entry = options.kind === 'bundle' ? join(repository, 'dist/bulkhead.mjs') : join(repository, 'src/main.ts');
  const image = operatorRuntime();
  // The probe needs gc(); the operator sees it only when the image gives it (it then reclaims memory when idle).
  const reclaims = image.nodeFlags.includes('--expose-gc');
  const args = [
    // The image's flags (Dockerfile ENTRYPOINT), so the figures describe what ships.
    ...image.nodeFlags,
    // Extra Node flags for an investigation (--trace-gc, --max-old-space-size=...), never set by the benchmark itself.
    ...(process.env['BENCH_OPERATOR_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== ''),
    ...(reclaims ? [] : ['--expose-gc']),
    '--import',
    probeModule,
    entry,
    'controller',
    '--kubeconfig',
    options.kubeconfigPath,
    '--token-file',
    tokenFile,
    '--health-port',
    String(healthPort),
    '--log-level',
    process.env['BENCH_OPERATOR_LOG_LEVEL'] ?? 'warn', // debug, to see what a slow phase waits on
    ...(options.resync === undefined ? [] : ['--resync', options.resync]),
  ];
  const component: Component = startComponent(options.workDir, options.name, process.execPath, args, {
    ...process.env,
    // The image's ENV (NODE_ENV=production, the allocator's settings), then an investigation's (BENCH_OPERATOR_ENV).
    ...image.env,
    ...parseEnvPairs(process.env['BENCH_OPERATOR_ENV'] ?? '', 'BENCH_OPERATOR_ENV'),
    BENCH_MEMORY_FILE: memoryFile,
    ...(reclaims ? {} : { BENCH_HIDE_GC: '1' }),
  });
  keepLogWhenExited(component);
  const pid = component.process.pid;
  if (pid === undefined) throw new Error('the operator process did not start');
  const base = `http://127.0.0.1:${healthPort}`;
  await waitUntil('the operator /readyz (leader, caches synced)', async () => (await probe(`${base}/readyz`)).status === 200, {
    timeoutMs: 600_000,
    exited: component.exited,
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- operator log ---\n${logTail(component)}`);
  });

  async function metrics(): Promise<Sample[]> {
    // A scrape can miss its 5 s deadline while the machine is saturated (10,000 policies converging on two shared
    // CPUs): try three times before giving up the run's figures.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const res = await probe(`${base}/metrics`);
        if (res.status !== 200) throw new Error(`operator /metrics answered ${res.status}`);
        return parseMetrics(res.body);
      } catch (error) {
        if (attempt >= 3) throw error;
        process.stderr.write(`operator /metrics scrape failed (${error instanceof Error ? error.message : String(error)}); retrying\n`);
      }
    }
  }
  const reclaimCount = async (): Promise<number> => sumOf(await metrics(), 'bulkhead_heap_reclaims_total');

  return {
    pid,
    healthPort,
    metrics,
    reclaims: reclaimCount,
    async memory(memoryOptions = {}) {
      let reclaimWaitSeconds: number | undefined;
      const beyond = memoryOptions.afterReclaimBeyond;
      if (reclaims && beyond !== undefined) {
        const start = performance.now();
        // A reclaim may take several passes, one per look (5 s apart) while each still gives memory back: settled
        // once at least one came and the count has stood still for 12 s.
        let seen = { count: -1, since: performance.now() };
        const settled = async (): Promise<boolean> => {
          const count = await reclaimCount();
          if (count !== seen.count) seen = { count, since: performance.now() };
          return count > beyond && performance.now() - seen.since >= 12_000;
        };
        const reclaimed = await waitUntil('the operator to reclaim its heap once idle', settled, {
          timeoutMs: 180_000,
          exited: component.exited,
        }).then(
          () => true,
          (error: Error) => {
            if (component.process.exitCode !== null || component.process.signalCode !== null) throw error;
            process.stderr.write(`${error.message}; measuring memory without it\n`);
            return false;
          },
        );
        if (reclaimed) reclaimWaitSeconds = (performance.now() - start) / 1000;
      }
      rmSync(memoryFile, { force: true });
      process.kill(pid, 'SIGUSR2');
      await waitUntil('the operator memory probe', async () => existsSync(memoryFile) && readFileSync(memoryFile, 'utf8').endsWith('}'), {
        timeoutMs: 60_000,
        exited: component.exited,
      });
      const probed = JSON.parse(readFileSync(memoryFile, 'utf8')) as { rss: number; heapUsed: number; heapTotal: number; external: number };
      return {
        ...processMemory(pid),
        heapUsed: probed.heapUsed,
        heapTotal: probed.heapTotal,
        external: probed.external,
        rssAfterGc: probed.rss,
        ...(reclaimWaitSeconds === undefined ? {} : { reclaimWaitSeconds }),
      };
    },
    cpuSeconds: () => processCpuSeconds(pid),
    stop: () => stopComponent(component, 30_000),
    logTail: () => logTail(component),
  };
}
