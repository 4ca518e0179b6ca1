import type { ILimitRange } from 'kubernetes-models/v1/LimitRange';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { defaultQuota, effectiveLimits, sortedCopy } from '../api/v1alpha1/defaults.ts';
import type { Quantity } from '../api/v1alpha1/schema.ts';
import { censusLimits, censusQuotaName } from '../envelope/census.ts';
import { ownedMeta, type DesiredContext } from './context.ts';

// A loop rather than Object.fromEntries(Object.entries(...).map(...)), which builds three arrays per map.
function asStrings(record: Readonly<Record<string, Quantity>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record)) out[key] = String(record[key]);
  return out;
}

/**
 * The ResourceQuota and LimitRange `bulkhead`: the defaults of defaults.ts with the user's keys on top; and the
 * census (census.ts), which limits nothing.
 */
export function quotaObjects(context: DesiredContext): [IResourceQuota, ILimitRange, IResourceQuota] {
  const resources = context.policy.spec.resources;
  const limits = effectiveLimits(resources.limits);
  return [
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: ownedMeta(context, 'bulkhead', context.namespace),
      spec: { hard: asStrings(sortedCopy({ ...defaultQuota, ...resources.quota })) },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: ownedMeta(context, 'bulkhead', context.namespace),
      spec: {
        limits: [
          {
            type: 'Container',
            default: asStrings(limits.default),
            defaultRequest: asStrings(limits.defaultRequest),
            ...(limits.max === undefined ? {} : { max: asStrings(limits.max) }),
          },
        ],
      },
    },
    censusQuota(context),
  ];
}

/**
 * The census: a ResourceQuota whose limits no agent namespace reaches, kept only for the counts the API server
 * keeps in its status. Quota admission updates `status.used` when a pod or Secret is created, and the quota
 * controller when one is deleted or a pod finishes, so the operator hears of every pod and Secret that comes or goes
 * in an agent namespace through the watch it already has on its own quotas, without listing or watching pods and
 * Secrets itself (it may only list them there, and a watch per namespace would not scale).
 */
function censusQuota(context: DesiredContext): IResourceQuota {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: ownedMeta(context, censusQuotaName, context.namespace),
    spec: { hard: { ...censusLimits } },
  };
}
