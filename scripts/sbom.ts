/**
 * `npm run sbom`: the CycloneDX SBOM of what ships, dist/bulkhead.cdx.json: the production dependency tree as npm
 * itself reports it (`npm sbom --omit dev`), which is also everything the bundle and the image are built from. npm
 * names the root component after the folder it runs in; the package's own name replaces it, so the SBOM of a clone
 * in any folder is the same.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import packageJson from '../package.json' with { type: 'json' };

export const sbomPath = fileURLToPath(new URL('../dist/bulkhead.cdx.json', import.meta.url));

interface CycloneDx {
  metadata: { component: { name: string; type: string } };
  components: { name: string; version: string }[];
}

export function productionSbom(): CycloneDx {
  const npm = spawnSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (npm.status !== 0) throw new Error(`npm sbom failed (${npm.status ?? npm.signal}): ${npm.stderr}`);
  const sbom = JSON.parse(npm.stdout) as CycloneDx;
  sbom.metadata.component.name = packageJson.name;
  sbom.metadata.component.type = 'application';
  return sbom;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sbom = productionSbom();
  mkdirSync(fileURLToPath(new URL('../dist/', import.meta.url)), { recursive: true });
  writeFileSync(sbomPath, `${JSON.stringify(sbom, null, 2)}\n`);
  process.stdout.write(`wrote ${sbomPath}: ${sbom.components.length} production components\n`);
}
