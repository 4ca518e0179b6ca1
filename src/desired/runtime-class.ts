import type { IRuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import { sharedMeta, type DesiredContext } from './context.ts';

/**
 * The Managed RuntimeClass, or nothing for an External one (the cluster provides it; the controller only checks it
 * exists). One object is shared by every policy naming it: each policy contributes a non-controller ownerReference,
 * so garbage collection removes the class with its last policy.
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
      metadata: sharedMeta(context, rc.name),
      handler: rc.handler,
      ...(Object.keys(scheduling).length === 0 ? {} : { scheduling }),
      ...(rc.overhead === undefined || Object.keys(rc.overhead).length === 0
        ? {}
        : { overhead: { podFixed: Object.fromEntries(Object.entries(rc.overhead).map(([k, v]) => [k, String(v)])) } }),
    },
  ];
}
