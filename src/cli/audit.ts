import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import { indexAuditObjects } from '../audit/index.ts';
import { parseQuery, QueryError, type NetworkQuery } from '../audit/network-query.ts';
import { selectPolicies } from '../audit/policies.ts';
import { auditPolicy } from '../audit/report.ts';
import { loadOperatorConfig } from '../config.ts';
import { readAuditSnapshot, reviewAccess } from '../kube/audit-snapshot.ts';
import { loadKubeConfig, makeKubeClients } from '../kube/client.ts';
import { auditJson, auditTable, type AuditRun } from './audit-output.ts';
import { UsageError, type Command, type CommandIO } from './command.ts';
import { parseFlags } from './flags.ts';

const help = `Usage: bulkhead audit [POLICY...] [-o table|json] [--query DEST:PORT/PROTO] [--kubeconfig FILE]

Proves what each agent can actually do and reach right now, from what is on the cluster, not from its spec, and
flags everything that makes its isolation weaker than its AgentPolicy says: a RoleBinding or ClusterRoleBinding
someone else made for the agent, a NetworkPolicy added while tamper protection was off, a pod running outside
the sandbox, a Secret written by hand into the agent namespace.

One section per policy (every AgentPolicy when none is named):
  network    every NetworkPolicy in the agent namespace, whoever made it, combined the way Kubernetes does
             (policies add up; a rule without peers or ports allows all of them; ipBlock except; IPv4 and IPv6
             are separate), as lines such as "TCP 443 to 0.0.0.0/0 except 10.0.0.0/8, ...".
  identity   every binding in the cluster that names the agent's ServiceAccount, directly or through its groups
             (system:serviceaccounts, system:serviceaccounts:<ns>, system:authenticated), the rules it grants,
             and sensitive actions asked of the API server's authorizer (SubjectAccessReview): secrets
             elsewhere, RBAC writes and escalation, pods/exec, impersonation, nodes, TokenRequest, cluster reads.
  runtime    the RuntimeClass and its handler, the namespace's Pod Security and Bulkhead labels, the agent-pods
             admission policy and the binding for the namespace's enforcement mode, and every pod that runs off
             the runtime class, as another ServiceAccount or in a host namespace.
  secrets    Secrets in the agent namespace that no SealedSecret of the policy produced.

Lines marked "!" are widenings, each naming the object that causes it; the rest is what the policy asks for
(or a default every Kubernetes identity has). Secret values are never read: Secrets are listed as metadata.

Flags:
  -o, --output table|json     human-readable sections (default) or one JSON document
      --query DEST:PORT/PROTO may each agent reach this destination? DEST is an IPv4 address, an IPv6 address
                              in brackets, or pods as NAMESPACE or NAMESPACE/label=value,...; PORT a number or a
                              named port; PROTO TCP (default), UDP or SCTP. Addresses are matched by ipBlock
                              rules, pods by pod and namespace selectors.
      --kubeconfig FILE       kubeconfig to use (default: in-cluster credentials in a pod, else $KUBECONFIG or
                              ~/.kube/config)
      --context NAME          kubeconfig context (default: its current context)
  -h, --help                  show this help

Permissions: list on agentpolicies, namespaces, networkpolicies, pods, secrets (metadata only is read),
rolebindings, clusterrolebindings, roles, clusterroles, runtimeclasses, validatingadmissionpolicies and their
bindings, and create on subjectaccessreviews. The operator settings come from the same BULKHEAD_* variables
the controller reads (e.g. BULKHEAD_AGENT_PODS_ADMISSION_POLICY).

Cost: one list per kind for the whole run, however many policies, and 19 SubjectAccessReviews per policy
(16 in flight); the time is printed on the last line (on stderr with -o json).

Examples:
  bulkhead audit
  bulkhead audit research-assistant --query 169.254.169.254:80/TCP
  bulkhead audit --query '[fd00:ec2::254]:80' -o json | jq '.policies[] | {policy, allowed: .network.query.allowed}'
  bulkhead audit coding-agent --query kube-system/k8s-app=kube-dns:53/UDP

Exit status: 0 every envelope is as strong as its policy, 1 an envelope is weaker (or a policy is invalid, or
the cluster could not be read), 2 a usage error (an unknown flag or policy name, a malformed --query).`;

function outputOf(value: string | undefined): 'table' | 'json' {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`-o must be table or json, not "${value}"`);
}

function queryOf(value: string | undefined): NetworkQuery | undefined {
  if (value === undefined) return undefined;
  try {
    return parseQuery(value);
  } catch (error) {
    if (error instanceof QueryError) throw new UsageError(error.message);
    throw error;
  }
}

export const auditCommand: Command = {
  name: 'audit',
  summary: "prove each agent's isolation from what is on the cluster; flag what weakens it",
  help,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const { values, positionals } = parseFlags(
      args,
      {
        output: { type: 'string', short: 'o' },
        query: { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
      },
      true,
    );
    const format = outputOf(values.output);
    const query = queryOf(values.query);
    const config = loadOperatorConfig(process.env);
    const clients = makeKubeClients(loadKubeConfig({ kubeconfigPath: values.kubeconfig, context: values.context }));

    const started = process.hrtime.bigint();
    const snapshot = await readAuditSnapshot(clients);
    const selected = selectPolicies(snapshot.policies, positionals, snapshot.objects, config);
    if (selected.missing.length > 0) {
      throw new UsageError(`no AgentPolicy named ${selected.missing.map((n) => `"${n}"`).join(', ')} (kubectl get agentpolicies lists them)`);
    }
    const agents = selected.valid.map((p) => ({ policy: p.metadata.name, namespace: agentNamespaceName(p), serviceAccount: p.spec.rbac.serviceAccountName }));
    const decisions = await reviewAccess(clients, agents);
    const index = indexAuditObjects(snapshot.objects);
    const audits = selected.valid.map((policy) => auditPolicy(policy, { config, index, decisions, ...(query === undefined ? {} : { query }) }));
    const run: AuditRun = {
      audits,
      invalid: selected.invalid,
      accessReviews: [...decisions.values()].reduce((n, d) => n + d.size, 0),
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
    if (format === 'json') {
      io.stdout.write(auditJson(run));
      io.stderr.write(`bulkhead audit: ${run.audits.length + run.invalid.length} policies in ${run.seconds.toFixed(2)} s\n`);
    } else {
      io.stdout.write(auditTable(run));
    }
    return audits.some((a) => a.widenings > 0) || selected.invalid.length > 0 ? 1 : 0;
  },
};
