import type { IRuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import { managedByLabel, managedByValue } from '../api/v1alpha1/well-known.ts';
import type { DesiredContext } from './context.ts';

/**
 * The Managed RuntimeClass, or nothing for an External one (the cluster provides it; the controller only checks it
 * exists). One object is shared by every policy naming it, and its cost must not grow with them: it carries only
 * Bulkhead's managed-by label (no per-policy label, ownerReference or field manager: an earlier design with one of
 * each per policy made every apply of it quadratic). The operator deletes it when no policy names it any more
 * (src/controller/runtime-class-gc.ts); policies that disagree about its content are a conflict, never an overwrite.
 */
export function runtimeClassObjects(context: DesiredContext): IRuntimeClass[] {
  const rc = context.policy.spec.sandbox.runtimeClass;
  if (rc.management !== 'Managed') return [];
  const scheduling = {
    ...(rc.nodeSelector === undefined || Object.keys(rc.nodeSelector).length === 0 ? {} : { nodeSelector: { ...rc.nodeSelector } }),
    ...(rc.tolerations === undefined || rc.tolerations.length === 0 ? {} : { tolerations: rc.tolerations.map((t) => ({ ...t })) }),
  };
  return [
    {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: rc.name, labels: { [managedByLabel]: managedByValue } },
      handler: rc.handler,
      ...(Object.keys(scheduling).length === 0 ? {} : { scheduling }),
      ...(rc.overhead === undefined || Object.keys(rc.overhead).length === 0
        ? {}
        : { overhead: { podFixed: Object.fromEntries(Object.entries(rc.overhead).map(([k, v]) => [k, String(v)])) } }),
    },
  ];
}
