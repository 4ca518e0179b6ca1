/**
 * Every file generated from a single source of truth, with its generator: the CRD from the zod schema; the Helm
 * chart and manifests/install.yaml (the chart rendered with its defaults) from src/chart/, which builds on the
 * cluster-level objects of src/cluster/, the resource table and the operator configuration. `npm run generate` writes
 * them; test/unit/generated-files.test.ts fails when a committed one is stale or an old one is left over.
 */
import { chartDir, chartFiles, installYaml, installYamlPath } from '../src/chart/chart-files.ts';
import { agentPolicyCrdYaml, crdPath } from '../src/crd/agent-policy-crd.ts';

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly render: () => string;
}

/** Folders whose every file is generated: a file there that no generator writes is left over and removed. */
export const generatedDirs: readonly string[] = [chartDir];

export const generatedFiles: readonly GeneratedFile[] = [
  { path: crdPath, render: agentPolicyCrdYaml },
  ...chartFiles(),
  { path: installYamlPath, render: installYaml },
];
