/**
 * The operator's own blast radius. Its ServiceAccount holds cluster-wide write on namespaces, NetworkPolicies,
 * RoleBindings, RuntimeClasses and FlowSchemas: RBAC cannot say "only Bulkhead's objects" (create cannot be limited by
 * resourceNames, and no RBAC rule reads labels). This ValidatingAdmissionPolicy, bound cluster-wide, judges only
 * requests made by that ServiceAccount and lets through only:
 * - objects of an agent envelope: a create must carry Bulkhead's managed-by label; an update or delete must find it
 *   (or an AgentPolicy ownerReference) on the stored object, so a look-alike of the same name is never touched; and
 *   a namespaced object must live in a namespace that is itself Bulkhead's (never kube-system, never `default`);
 *   the one exception is adoption, an update of a namespace an admin annotated for exactly the policy that adopts it;
 * - AgentPolicy writes that leave the spec, labels and annotations alone (the finalizer) and the status subresource;
 * - Events about an AgentPolicy in `default` (where a cluster-scoped object's Events live);
 * - its leader-election Lease in its own namespace.
 * Within the envelope, what the operator writes keeps the shape Bulkhead gives it, so a leaked token cannot turn an
 * envelope object into a grant for someone else: a RoleBinding binds only ServiceAccounts of its own namespace (or the
 * operator itself), a FlowSchema routes only named ServiceAccounts to the agents' priority level at Bulkhead's
 * precedence, and a namespace keeps a Pod Security level of restricted or baseline.
 * Everything else is denied to it. The API server never runs admission policies on admission-policy objects, so
 * whatever RBAC grants the operator there is limited by RBAC alone (see docs/security.md).
 */
import { adoptAnnotation, group, managedByLabel, managedByValue, plural, policyLabel, apiVersion as policyApiVersion, kind as policyKind } from '../api/v1alpha1/well-known.ts';
import { clusterWideDenyBinding } from './deny-binding.ts';
import { installLabels } from './labels.ts';

export interface OperatorGuardOptions {
  readonly name: string;
  readonly operatorNamespace: string;
  readonly operatorServiceAccount: string;
  /** The agents' PriorityLevelConfiguration: the only one a FlowSchema written by the operator may route to. */
  readonly priorityLevelName: string;
  readonly flowSchemaMatchingPrecedence: number;
}

/** Pod Security levels an agent namespace may carry (spec.podSecurity.level): never privileged. */
const agentPodSecurityLevels = ['restricted', 'baseline'];

/** Where Events about cluster-scoped objects (an AgentPolicy) are written; see src/kube/cluster-writer.ts. */
export const policyEventNamespace = 'default';

const quote = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** CEL: `o` is not null and carries Bulkhead's managed-by label. */
const labelled = (o: string): string =>
  `(${o} != null && ${o}.metadata.?labels[?${quote(managedByLabel)}].orValue('') == ${quote(managedByValue)})`;

/** CEL: `o` is not null and has an AgentPolicy among its owners (the ownerReference is the truth, the label the index). */
const policyOwned = (o: string): string =>
  `(${o} != null && ${o}.metadata.?ownerReferences.orValue([]).exists(r, ` +
  `r.apiVersion == ${quote(policyApiVersion)} && r.kind == ${quote(policyKind)}))`;

/** CEL: an Event (core/v1 or events.k8s.io/v1) whose subject is an AgentPolicy. */
const aboutPolicy = (o: string): string =>
  `(${o}.?involvedObject.?kind.orValue(${o}.?regarding.?kind.orValue('')) == ${quote(policyKind)} && ` +
  `${o}.?involvedObject.?apiVersion.orValue(${o}.?regarding.?apiVersion.orValue('')).startsWith(${quote(`${group}/`)}))`;

export function operatorUsername(options: Pick<OperatorGuardOptions, 'operatorNamespace' | 'operatorServiceAccount'>): string {
  return `system:serviceaccount:${options.operatorNamespace}:${options.operatorServiceAccount}`;
}

function variables(options: OperatorGuardOptions): { name: string; expression: string }[] {
  return [
    // An empty subResource, namespace or name is absent from the request, not "": read them with defaults.
    { name: 'subresource', expression: "request.?subResource.orValue('')" },
    { name: 'requestNamespace', expression: "request.?namespace.orValue('')" },
    { name: 'policyRequest', expression: `request.resource.group == ${quote(group)} && request.resource.resource == ${quote(plural)}` },
    { name: 'eventRequest', expression: "request.resource.resource == 'events' && request.resource.group in ['', 'events.k8s.io']" },
    { name: 'leaseRequest', expression: "request.resource.group == 'coordination.k8s.io' && request.resource.resource == 'leases'" },
    { name: 'namespaceRequest', expression: "request.resource.group == '' && request.resource.resource == 'namespaces'" },
    { name: 'envelopeRequest', expression: '!variables.policyRequest && !variables.eventRequest && !variables.leaseRequest' },
    // What the stored object says about itself. A DELETE has only oldObject; a CREATE only object.
    { name: 'storedIsBulkheads', expression: `${labelled('oldObject')} || ${policyOwned('oldObject')}` },
    {
      // An admin marks a pre-existing namespace bulkhead.dev/adopt=<policy>; only that policy's labels may land on it.
      name: 'adoption',
      expression:
        `variables.namespaceRequest && request.operation == 'UPDATE' && ` +
        `oldObject.metadata.?annotations[?${quote(adoptAnnotation)}].orValue('') != '' && ` +
        `oldObject.metadata.?annotations[?${quote(adoptAnnotation)}].orValue('') == ` +
        `object.metadata.?labels[?${quote(policyLabel)}].orValue('')`,
    },
    {
      name: 'ownObject',
      expression:
        `request.operation == 'CREATE' ? ${labelled('object')} : (variables.storedIsBulkheads || variables.adoption)`,
    },
    {
      // A namespace is judged by ownObject itself; a cluster-scoped object has no namespace; anything else must be in
      // a namespace Bulkhead created (or adopted), never in kube-system, default or a tenant's namespace.
      name: 'agentNamespace',
      expression: `variables.namespaceRequest || variables.requestNamespace == '' || ${labelled('namespaceObject')}`,
    },
    { name: 'operatorNamespace', expression: quote(options.operatorNamespace) },
    { name: 'operatorServiceAccount', expression: quote(options.operatorServiceAccount) },
  ];
}

/** Rules on the shape of envelope objects that would otherwise grant or take something beyond the agent. */
function shapeRules(options: OperatorGuardOptions): { expression: string; message: string; reason: string }[] {
  const written = (group: string, resource: string): string =>
    `(request.resource.group == ${quote(group)} && request.resource.resource == ${quote(resource)} && object != null)`;
  return [
    {
      expression:
        `!${written('rbac.authorization.k8s.io', 'rolebindings')} || object.?subjects.orValue([]).all(s, s.kind == 'ServiceAccount' && ` +
        "(s.?namespace.orValue('') == variables.requestNamespace || " +
        "(s.?namespace.orValue('') == variables.operatorNamespace && s.name == variables.operatorServiceAccount)))",
      message: 'a RoleBinding written by the Bulkhead operator may bind only ServiceAccounts of its own namespace, or the operator itself',
      reason: 'Forbidden',
    },
    {
      expression:
        `!${written('flowcontrol.apiserver.k8s.io', 'flowschemas')} || (` +
        `object.spec.priorityLevelConfiguration.name == ${quote(options.priorityLevelName)} && ` +
        `object.spec.?matchingPrecedence.orValue(0) == ${options.flowSchemaMatchingPrecedence} && ` +
        "object.spec.?rules.orValue([]).all(r, r.?subjects.orValue([]).all(s, s.kind == 'ServiceAccount' && " +
        "s.serviceAccount.namespace != '*' && s.serviceAccount.name != '*')))",
      message: `a FlowSchema written by the Bulkhead operator may route only named ServiceAccounts, to priority level ${options.priorityLevelName} at precedence ${options.flowSchemaMatchingPrecedence}`,
      reason: 'Forbidden',
    },
    {
      expression:
        `!${written('', 'namespaces')} || ` +
        `object.metadata.?labels[?'pod-security.kubernetes.io/enforce'].orValue('') in ${JSON.stringify(agentPodSecurityLevels).replaceAll('"', "'")}`,
      message: `a namespace written by the Bulkhead operator must enforce Pod Security ${agentPodSecurityLevels.join(' or ')}`,
      reason: 'Forbidden',
    },
  ];
}

const validations = [
  {
    // The operator writes one subresource: the AgentPolicy status. Not pods/exec, serviceaccounts/token, nor any other.
    expression: "variables.subresource == '' || (variables.policyRequest && variables.subresource == 'status')",
    messageExpression: "'the Bulkhead operator may not write ' + request.resource.resource + '/' + variables.subresource",
    reason: 'Forbidden',
  },
  {
    // It never creates or deletes a policy, and its own writes (the finalizer) never change what a policy says.
    expression:
      "!variables.policyRequest || (request.operation == 'UPDATE' && (variables.subresource == 'status' || (" +
      "object.?spec.orValue({}) == oldObject.?spec.orValue({}) && " +
      'object.metadata.?labels.orValue({}) == oldObject.metadata.?labels.orValue({}) && ' +
      'object.metadata.?annotations.orValue({}) == oldObject.metadata.?annotations.orValue({}) && ' +
      'object.metadata.?ownerReferences.orValue([]) == oldObject.metadata.?ownerReferences.orValue([]))))',
    message: 'the Bulkhead operator may only set the finalizer and the status of an AgentPolicy, never its spec, labels or annotations',
    reason: 'Forbidden',
  },
  {
    expression:
      `!variables.eventRequest || (variables.requestNamespace == ${quote(policyEventNamespace)} && request.operation != 'DELETE' && ` +
      `(object == null || ${aboutPolicy('object')}) && (oldObject == null || ${aboutPolicy('oldObject')}))`,
    message: `the Bulkhead operator may only record Events about AgentPolicies, in namespace ${policyEventNamespace}`,
    reason: 'Forbidden',
  },
  {
    expression: "!variables.leaseRequest || (variables.requestNamespace == variables.operatorNamespace && request.operation != 'DELETE')",
    message: "the Bulkhead operator may only write its leader-election Lease, in its own namespace",
    reason: 'Forbidden',
  },
  {
    expression: '!variables.envelopeRequest || (variables.ownObject && variables.agentNamespace)',
    messageExpression:
      "'the Bulkhead operator may only ' + request.operation.lowerAscii() + ' objects of an agent envelope (labelled " +
      `${managedByLabel}=${managedByValue}, in a namespace Bulkhead manages); ' + request.resource.resource + ' ' + ` +
      "(variables.requestNamespace == '' ? '' : variables.requestNamespace + '/') + request.?name.orValue('') + ' is not one'",
    reason: 'Forbidden',
  },
];

export function operatorGuardPolicy(options: OperatorGuardOptions): object {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: options.name, labels: installLabels('admission') },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        // Every resource and subresource: what the operator may not write is defined by the rules above, not by a
        // list of kinds that would fall behind RBAC.
        resourceRules: [
          { apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['*/*'] },
        ],
      },
      // Only the operator's own requests are judged: everyone else is left to RBAC and tamper protection.
      matchConditions: [{ name: 'operator-only', expression: `request.userInfo.username == ${quote(operatorUsername(options))}` }],
      variables: variables(options),
      validations: [...validations, ...shapeRules(options)],
    },
  };
}

export function operatorGuardBinding(options: Pick<OperatorGuardOptions, 'name'>): object {
  return clusterWideDenyBinding(options.name);
}
