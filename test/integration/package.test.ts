/**
 * What ships, built for real: the esbuild bundle (the image's and the package's entry point) runs the CLI and holds
 * only production dependencies; `npm pack` contains it as the bin; `npm run sbom` lists the production dependencies
 * and no development ones.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };
import packageLock from '../../package-lock.json' with { type: 'json' };
import { bundle, bundlePath, metafilePath } from '../../scripts/bundle.ts';
import { sbomPath } from '../../scripts/sbom.ts';
import { runOk } from '../support/commands.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every package the lockfile marks as a development dependency (directly or only through one). */
const devPackages = new Set(
  Object.entries(packageLock.packages as Record<string, { dev?: boolean }>)
    .filter(([path, entry]) => path !== '' && entry.dev === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)),
);

before(async () => {
  await bundle();
});

test('the bundle runs --help, --version and render like the sources do', async () => {
  const help = await runOk(process.execPath, [bundlePath, '--help']);
  assert.match(help.stdout, /Usage: bulkhead <command>/);
  const version = await runOk(process.execPath, [bundlePath, '--version']);
  assert.equal(version.stdout, `bulkhead ${packageJson.version}\n`);
  const sample = 'manifests/samples/typical.yaml';
  const fromBundle = await runOk(process.execPath, [bundlePath, 'render', '-f', sample], { cwd: root });
  const fromSources = await runOk(process.execPath, ['src/main.ts', 'render', '-f', sample], { cwd: root });
  assert.equal(fromBundle.stdout, fromSources.stdout);
  assert.match(fromBundle.stdout, /kind: NetworkPolicy/);
});

test('the bundle holds production dependencies only', () => {
  const meta = JSON.parse(readFileSync(metafilePath, 'utf8')) as { inputs: Record<string, unknown> };
  const bundled = new Set(
    Object.keys(meta.inputs).flatMap((input) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      return match?.[1] === undefined ? [] : [match[1]];
    }),
  );
  for (const dependency of Object.keys(packageJson.dependencies)) assert.ok(bundled.has(dependency), `${dependency} is bundled`);
  assert.deepEqual([...bundled].filter((name) => devPackages.has(name)), [], 'no development dependency is bundled');
});

test('npm pack ships the bundle as the bin', async () => {
  const pack = await runOk('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
  const [tarball] = JSON.parse(pack.stdout) as { files: { path: string }[] }[];
  const files = (tarball?.files ?? []).map((f) => f.path).sort();
  assert.ok(files.includes(packageJson.bin.bulkhead), `${packageJson.bin.bulkhead} in ${files.join(', ')}`);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('node_modules/')));
});

test('npm run sbom writes a CycloneDX SBOM of the production dependencies, none of the development ones', async () => {
  await runOk('npm', ['run', 'sbom'], { cwd: root });
  const sbom = JSON.parse(readFileSync(sbomPath, 'utf8')) as {
    bomFormat: string;
    metadata: { component: { name: string; version: string } };
    components: { name: string; group?: string }[];
  };
  assert.equal(sbom.bomFormat, 'CycloneDX');
  assert.deepEqual([sbom.metadata.component.name, sbom.metadata.component.version], [packageJson.name, packageJson.version]);
  const names = new Set(sbom.components.map((c) => (c.group === undefined || c.group === '' ? c.name : `${c.group}/${c.name}`)));
  for (const dependency of Object.keys(packageJson.dependencies)) assert.ok(names.has(dependency), dependency);
  // Only what the lockfile marks dev-only: @types/node, for one, is also a production dependency of client-node.
  assert.deepEqual([...names].filter((name) => devPackages.has(name)), [], 'no development-only package');
  for (const dev of ['typescript', 'eslint', 'esbuild', 'node', 'kubernetes-models']) assert.ok(!names.has(dev), `${dev} is not in the SBOM`);
});
