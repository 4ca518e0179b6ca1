// Writes the AgentPolicy CRD generated from the zod schema (`npm run generate`); a unit test fails when it is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentPolicyCrdYaml, crdPath } from '../src/crd/agent-policy-crd.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, crdPath);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, agentPolicyCrdYaml());
process.stdout.write(`wrote ${crdPath}\n`);
