/**
 * Deletion. The finalizer holds the AgentPolicy until its namespace is released when deletionPolicy is Retain:
 * Bulkhead's labels and the ownerReference come off (so garbage collection keeps the namespace and its data), the
 * Pod Security labels and the user's own labels and annotations stay. Everything else is left to garbage collection.
 */
import type { Logger } from 'pino';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import { enforcementLabel, managedByLabel, policyLabel } from '../api/v1alpha1/well-known.ts';
import { parseAgentPolicy } from '../validation/validate.ts';
import { isOwnedBy } from './ownership.ts';
import type { ClusterReader, ClusterWriter, KubeObject } from './ports.ts';

export const finalizerName = 'bulkhead.dev/finalizer';


interface RawNamespaceSpec {
  readonly name?: string;
  readonly deletionPolicy?: string;
}

/** What deletion needs, read even from a policy that no longer validates (it must still be deletable). */
function deletionIntent(raw: KubeObject): { namespace: string; retain: boolean } {
  const parsed = parseAgentPolicy(raw);
  if (parsed.ok) {
    return { namespace: agentNamespaceName(parsed.policy), retain: parsed.policy.spec.namespace.deletionPolicy === 'Retain' };
  }
  const ns = ((raw['spec'] as { namespace?: RawNamespaceSpec } | undefined)?.namespace ?? {}) as RawNamespaceSpec;
  return { namespace: ns.name ?? `agent-${raw.metadata.name}`, retain: ns.deletionPolicy === 'Retain' };
}

export async function finalizePolicy(
  raw: KubeObject,
  deps: { reader: ClusterReader; writer: ClusterWriter },
  log: Logger,
): Promise<void> {
  const finalizers = raw.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizerName)) return;
  const intent = deletionIntent(raw);
  if (intent.retain) await releaseNamespace(raw, intent, deps, log);
  await deps.writer.setPolicyFinalizers(raw, finalizers.filter((f) => f !== finalizerName));
  log.info({ deletionPolicy: intent.retain ? 'Retain' : 'Delete' }, 'finalized');
}

async function releaseNamespace(
  raw: KubeObject,
  intent: ReturnType<typeof deletionIntent>,
  deps: { reader: ClusterReader; writer: ClusterWriter },
  log: Logger,
): Promise<void> {
  const uid = raw.metadata.uid ?? '';
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: intent.namespace };
  const live = deps.reader.cached(ref) ?? (await deps.reader.read(ref));
  if (live === undefined || !isOwnedBy(live, uid)) return;
  // One update of the whole namespace (guarded by its resourceVersion): Bulkhead's labels, its admission
  // parameters and its ownerReference go; Pod Security and the user's labels and annotations stay.
  const labels = Object.fromEntries(Object.entries(live.metadata.labels ?? {}).filter(([key]) => !releasedLabels.has(key)));
  const annotations = Object.fromEntries(Object.entries(live.metadata.annotations ?? {}).filter(([key]) => !key.startsWith(bulkheadPrefix)));
  const ownerReferences = (live.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
  const { ownerReferences: _ours, ...metadata } = live.metadata;
  await deps.writer.update({
    ...live,
    metadata: { ...metadata, labels, annotations, ...(ownerReferences.length === 0 ? {} : { ownerReferences }) },
  });
  await deps.writer
    .recordEvent(raw, 'Normal', 'NamespaceRetained', `namespace ${intent.namespace} released and kept (deletionPolicy Retain)`)
    .catch((error: unknown) => log.warn({ err: error }, 'could not record event'));
  log.info({ namespace: intent.namespace }, 'namespace released and retained');
}

const bulkheadPrefix = 'bulkhead.dev/';
const releasedLabels = new Set([managedByLabel, policyLabel, enforcementLabel]);
