import type { ILimitRange } from 'kubernetes-models/v1/LimitRange';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { defaultQuota, effectiveLimits, sortedCopy } from '../api/v1alpha1/defaults.ts';
import type { Quantity } from '../api/v1alpha1/schema.ts';
import { ownedMeta, type DesiredContext } from './context.ts';

// A loop rather than Object.fromEntries(Object.entries(...).map(...)), which builds three arrays per map.
function asStrings(record: Readonly<Record<string, Quantity>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record)) out[key] = String(record[key]);
  return out;
}

/** The ResourceQuota and LimitRange `bulkhead`: the defaults of defaults.ts with the user's keys on top. */
export function quotaObjects(context: DesiredContext): [IResourceQuota, ILimitRange] {
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
  ];
}
