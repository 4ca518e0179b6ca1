import { agentPolicyCrd, agentPolicyCrdYaml } from '../crd/agent-policy-crd.ts';
import type { Command, CommandIO } from './command.ts';
import { outputFormat, parseFlags } from './flags.ts';

const help = `Usage: bulkhead crd [-o yaml|json]

Prints the AgentPolicy CustomResourceDefinition (bulkhead.dev/v1alpha1), generated from the same schema the
operator validates with; identical to crds/bulkhead.dev_agentpolicies.yaml and to the chart's CRD.

Flags:
  -o, --output yaml|json  YAML (default) or JSON
  -h, --help              show this help

Examples:
  bulkhead crd | kubectl apply --server-side -f -
  kubectl explain agentpolicy.spec.network   (once installed)`;

export const crdCommand: Command = {
  name: 'crd',
  summary: 'print the AgentPolicy CustomResourceDefinition',
  help,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const { values } = parseFlags(args, { output: { type: 'string', short: 'o' } });
    const format = outputFormat(values.output);
    io.stdout.write(format === 'json' ? `${JSON.stringify(agentPolicyCrd(), null, 2)}\n` : agentPolicyCrdYaml());
    return 0;
  },
};
