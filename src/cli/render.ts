import { checkPolicyInputs } from './check-policies.ts';
import type { Command, CommandIO } from './command.ts';
import { outputFormat, parseFlags } from './flags.ts';
import { renderPolicies } from './render-output.ts';

const help = `Usage: bulkhead render -f FILE|DIR|- [-f ...] [-o yaml|json] [--ceiling FILE]

Prints every Kubernetes object the controller would apply for the given AgentPolicies: the namespace,
NetworkPolicies, RuntimeClass, admission binding, RBAC, FlowSchema, quota and SealedSecrets. Use it to review
a policy, diff it in CI, or hand the envelope to a GitOps pipeline.

Policies are validated first, exactly as the controller does (schema, then the permission ceiling and the
bindable ClusterRoles). If any policy is invalid, every problem is printed on stderr, one per line, nothing is
printed on stdout, and the exit status is 1: a pipeline never applies half an envelope.

Flags:
  -f, --filename FILE|DIR|-  a policy file (many YAML documents allowed), a directory (its .yaml, .yml and
                             .json files, recursively), or - for standard input; repeatable
  -o, --output yaml|json     multi-document YAML (default) or a JSON v1 List
      --ceiling FILE         a ClusterRole YAML to check rbac.rules against, instead of the default
                             bulkhead-agent-ceiling
  -h, --help                 show this help

Ownership: the controller sets an ownerReference to the AgentPolicy (by UID) on every object. A policy file has
no metadata.uid until the API server stores it, so rendering such a file omits ownerReferences and says so on
stderr; objects are otherwise identical. Render a policy fetched from the cluster
(kubectl get agp NAME -o yaml | bulkhead render -f -) to see the ownerReferences too.

Operator settings (namespace, ServiceAccount, ceiling ClusterRole, bindable ClusterRoles, priority level...) come
from the same BULKHEAD_* environment variables the controller reads, e.g. BULKHEAD_OPERATOR_NAMESPACE.

Examples:
  bulkhead render -f manifests/samples/typical.yaml
  bulkhead render -f policies/ -o json > envelope.json
  kubectl get agentpolicy research-assistant -o yaml | bulkhead render -f -
  bulkhead render -f policies/ | kubectl diff -f -

Exit status: 0 rendered, 1 a policy is invalid or unreadable, 2 a usage error.`;

export const renderCommand: Command = {
  name: 'render',
  summary: 'print the objects the controller would apply for AgentPolicies (for GitOps and review)',
  help,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const { values } = parseFlags(args, {
      filename: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o' },
      ceiling: { type: 'string' },
    });
    const format = outputFormat(values.output);
    const checked = await checkPolicyInputs(values.filename ?? [], values.ceiling, io.stdin);
    const { config, problems } = checked;
    if (problems.length > 0) {
      io.stderr.write(problems.map((p) => `bulkhead render: ${p}\n`).join(''));
      return 1;
    }
    const result = renderPolicies(
      checked.valid.map((v) => v.policy),
      config,
      format,
    );
    io.stdout.write(result.text);
    if (result.withoutUid > 0) {
      io.stderr.write(
        `bulkhead render: note: ${result.withoutUid} of ${checked.valid.length} policies have no metadata.uid; ` +
          'their objects carry no ownerReferences (the controller adds them when it applies)\n',
      );
    }
    return 0;
  },
};
