/** Condition types an AgentPolicy reports in status.conditions; Ready summarises the others. */
export const conditionTypes = {
  ready: 'Ready',
  namespaceReady: 'NamespaceReady',
  sandboxEnforced: 'SandboxEnforced',
  networkIsolated: 'NetworkIsolated',
  accessControlled: 'AccessControlled',
  secretsSynced: 'SecretsSynced',
  /** Nothing Bulkhead did not make widens the envelope (foreign bindings, NetworkPolicies, pods, Secrets). */
  isolated: 'Isolated',
} as const;
export type ConditionType = (typeof conditionTypes)[keyof typeof conditionTypes];

/** Every condition type, Ready first: the order status lists them in. */
export const allConditionTypes: readonly ConditionType[] = Object.values(conditionTypes);

export const conditionStatuses = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof conditionStatuses)[number];

/** CamelCase reasons (the API convention: machine-readable, stable, one word). */
export const conditionReasons = {
  /** Everything the condition covers is applied and matches the spec. */
  reconciled: 'Reconciled',
  /** Work is in flight (first apply, a retry after a transient error). */
  progressing: 'Progressing',
  /** The spec breaks a rule the API server could not check; nothing was applied. */
  invalidSpec: 'InvalidSpec',
  /** A namespace of that name exists and is not ours (no bulkhead.dev/adopt annotation naming this policy). */
  namespaceConflict: 'NamespaceConflict',
  /** A managed RuntimeClass of that name exists with another handler, or is not ours. */
  runtimeClassConflict: 'RuntimeClassConflict',
  /** An External RuntimeClass named by the policy does not exist on the cluster. */
  runtimeClassNotFound: 'RuntimeClassNotFound',
  /** sandbox.enforcement is Disabled: no admission binding. */
  enforcementDisabled: 'EnforcementDisabled',
  /** sandbox.enforcement is Audit: violations are reported, not denied. */
  auditOnly: 'AuditOnly',
  /** The permission ceiling ClusterRole is missing or the rules exceed it. */
  ceilingExceeded: 'CeilingExceeded',
  /** The SealedSecret CRD is not served: the Sealed Secrets controller is not installed. */
  sealedSecretsUnavailable: 'SealedSecretsUnavailable',
  /** The Sealed Secrets controller reported it could not unseal a secret. */
  unsealFailed: 'UnsealFailed',
  /** The policy has no secrets: nothing to sync. */
  noSecrets: 'NoSecrets',
  /** The API server refused a write (the message names the object and the error). */
  applyFailed: 'ApplyFailed',
  /** Another writer keeps changing an object of the envelope: repairs are spaced out and the object is named. */
  driftContested: 'DriftContested',
  /** An object of an envelope name exists and is not this policy's: Bulkhead leaves it alone and says so. */
  objectConflict: 'ObjectConflict',
  /** After the pass, an object on the cluster still differs from the policy (the message names the field). */
  drifted: 'Drifted',
  /** An object the policy no longer wants could not be removed: it may still widen the envelope. */
  pruneFailed: 'PruneFailed',
  /** The chart's agent-pods admission policy or its binding is missing or was changed: pods are not checked as the policy says. */
  admissionPolicyChanged: 'AdmissionPolicyChanged',
  /** The cluster could not be read to check the envelope. */
  observeFailed: 'ObserveFailed',
  /** Isolated: the periodic isolation audit found nothing outside the policy that widens its envelope. */
  noWidening: 'NoWidening',
  /** Isolated: a RoleBinding or ClusterRoleBinding Bulkhead did not make grants the agent's ServiceAccount something. */
  foreignBinding: 'ForeignBinding',
  /** Isolated: a NetworkPolicy rule Bulkhead did not write opens traffic the policy does not allow. */
  foreignNetworkPolicy: 'ForeignNetworkPolicy',
  /** Isolated: a pod in the agent namespace runs off the runtime class, as another ServiceAccount or in a host namespace. */
  unsandboxedPod: 'UnsandboxedPod',
  /** Isolated: a Secret in the agent namespace that no SealedSecret of the policy produced. */
  foreignSecret: 'ForeignSecret',
  /** Isolated: the isolation audit has not covered this policy yet, or could not read the cluster. */
  notAudited: 'NotAudited',
  /** A dependency condition is not yet True (Ready waits for the others). */
  dependencyNotReady: 'DependencyNotReady',
  /** The policy is being deleted. */
  terminating: 'Terminating',
} as const;
export type ConditionReason = (typeof conditionReasons)[keyof typeof conditionReasons];
