import { checkPolicyInputs } from './check-policies.ts';
import type { Command, CommandIO } from './command.ts';
import { parseFlags } from './flags.ts';

const help = `Usage: bulkhead validate -f FILE|DIR|- [-f ...] [--ceiling FILE]

Checks AgentPolicies offline with every rule the controller applies: the schema (what the CRD and its CEL
rules reject at the API server), then the rules only the operator can check: the permission ceiling, the
bindable ClusterRoles, the operator's own namespace, LimitRange ordering, and conflicts between the policies
given together (one namespace claimed twice, one RuntimeClass with two handlers).

Every problem is printed on its own line as FILE: POLICY: FIELD.PATH: MESSAGE, so an editor or CI annotation
can point at it.

Flags:
  -f, --filename FILE|DIR|-  a policy file (many YAML documents allowed), a directory (its .yaml, .yml and
                             .json files, recursively), or - for standard input; repeatable
      --ceiling FILE         a ClusterRole YAML (e.g. kubectl get clusterrole bulkhead-agent-ceiling -o yaml)
                             to check rbac.rules against, instead of the default ceiling
  -h, --help                 show this help

Operator settings (operator namespace, bindable ClusterRoles, ceiling name) come from the BULKHEAD_*
environment variables the controller reads, e.g. BULKHEAD_BINDABLE_CLUSTER_ROLES=view,edit.

Examples:
  bulkhead validate -f manifests/samples/
  bulkhead validate -f policy.yaml --ceiling ceiling-clusterrole.yaml
  cat policies/*.yaml | bulkhead validate -f -

Exit status: 0 all valid, 1 any policy invalid or unreadable, 2 a usage error.`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check AgentPolicies offline; print every problem with file, policy and field path',
  help,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const { values } = parseFlags(args, {
      filename: { type: 'string', short: 'f', multiple: true },
      ceiling: { type: 'string' },
    });
    const checked = await checkPolicyInputs(values.filename ?? [], values.ceiling, io.stdin);
    const { problems } = checked;
    if (problems.length > 0) {
      io.stderr.write(problems.map((p) => `${p}\n`).join(''));
      io.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`);
      return 1;
    }
    const n = checked.valid.length;
    io.stdout.write(`${n} ${n === 1 ? 'policy' : 'policies'} valid\n`);
    return 0;
  },
};
