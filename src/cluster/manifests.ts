/**
 * Everything Bulkhead needs installed once per cluster besides the CRD, in apply order: the operator's namespace and
 * identity, the permission ceiling, the agent priority level, and the admission policies. The chart packages these;
 * `npm run generate` writes the chart and manifests/install.yaml from them (src/chart/).
 */
import { defaultCeilingRules, ceilingClusterRole } from '../api/v1alpha1/ceiling.ts';
import type { OperatorConfig } from '../config.ts';
import { agentPodsAdmissionPolicy, agentPodsBindings } from './agent-pods-admission.ts';
import { operatorGuardBinding, operatorGuardPolicy } from './operator-guard.ts';
import { operatorRbac } from './operator-rbac.ts';
import { agentPriorityLevel } from './priority-level.ts';
import { tamperProtectionBinding, tamperProtectionPolicy } from './tamper-protection.ts';

/** Name of the operator's ClusterRole and bindings. */
export const operatorRoleName = 'bulkhead-operator';
/** Name of the tamper-protection ValidatingAdmissionPolicy and its binding. */
export const tamperProtectionName = 'bulkhead-tamper-protection';
/** Name of the ValidatingAdmissionPolicy and binding that confine the operator's own writes to Bulkhead's objects. */
export const operatorGuardName = 'bulkhead-operator-guard';

export function clusterManifests(config: OperatorConfig): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: config.operatorNamespace,
        labels: { 'app.kubernetes.io/name': 'bulkhead', 'pod-security.kubernetes.io/enforce': 'restricted' },
      },
    },
    ceilingClusterRole(config.ceilingClusterRole, defaultCeilingRules),
    ...operatorRbac({ ...config, name: operatorRoleName }),
    agentPriorityLevel(config.priorityLevelName),
    agentPodsAdmissionPolicy(config.agentPodsAdmissionPolicyName),
    ...agentPodsBindings(config.agentPodsAdmissionPolicyName),
    tamperProtectionPolicy({ ...config, name: tamperProtectionName }),
    tamperProtectionBinding({ ...config, name: tamperProtectionName }),
    operatorGuardPolicy({ ...config, name: operatorGuardName }),
    operatorGuardBinding({ ...config, name: operatorGuardName }),
  ];
}
