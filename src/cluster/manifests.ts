/**
 * Everything Bulkhead needs installed once per cluster besides the CRD, in apply order: the operator's namespace and
 * identity, the permission ceiling, the agent priority level, and the admission policies. The chart packages these;
 * `npm run generate` writes them to manifests/cluster/ for kubectl and GitOps.
 */
import { defaultCeilingRules, ceilingClusterRole } from '../api/v1alpha1/ceiling.ts';
import { AgentPolicySchema } from '../api/v1alpha1/schema.ts';
import { apiVersion, kind } from '../api/v1alpha1/well-known.ts';
import type { OperatorConfig } from '../config.ts';
import { agentPodsAdmissionPolicy } from './agent-pods-admission.ts';
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

/** The schema's own defaults, read by parsing an empty spec, so the admission policy's fallbacks never drift. */
function schemaDefaults(): { runtimeClassName: string; serviceAccountName: string } {
  const empty = AgentPolicySchema.parse({ apiVersion, kind, metadata: { name: 'defaults' }, spec: {} });
  return { runtimeClassName: empty.spec.sandbox.runtimeClass.name, serviceAccountName: empty.spec.rbac.serviceAccountName };
}

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
    agentPodsAdmissionPolicy(config.agentPodsAdmissionPolicyName, schemaDefaults()),
    tamperProtectionPolicy({ ...config, name: tamperProtectionName }),
    tamperProtectionBinding({ ...config, name: tamperProtectionName }),
    operatorGuardPolicy({ ...config, name: operatorGuardName }),
    operatorGuardBinding({ ...config, name: operatorGuardName }),
  ];
}
