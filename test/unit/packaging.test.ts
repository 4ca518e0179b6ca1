/**
 * What can be checked of the image and the package without a Docker engine or a registry: the Dockerfile pins its
 * base images by digest, runs as non-root and copies only the bundle into the runtime image; the package's bin is the
 * bundle; runtime imports come from production dependencies only; the release workflow builds both architectures,
 * signs and attaches the SBOM with SHA-pinned actions; CI runs the README's test command.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: string[];
}

/** The Dockerfile's stages, continuation lines joined, comments dropped. */
function stages(dockerfile: string): Stage[] {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const result: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from !== null) result.push({ from: from[1] ?? '', name: from[2], instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

const dockerStages = stages(read('Dockerfile'));
const runtime = dockerStages.at(-1) as Stage;

test('Dockerfile: every base image is pinned by digest', () => {
  assert.ok(dockerStages.length >= 2, 'multi-stage');
  for (const stage of dockerStages) assert.match(stage.from, /^[^@\s]+@sha256:[0-9a-f]{64}$/, stage.from);
  assert.match(dockerStages[0]?.from ?? '', /^node:24[-.]/, 'the build stage runs Node 24');
  assert.match(runtime.from, /^gcr\.io\/distroless\/nodejs24-debian12:nonroot@/, 'the runtime is distroless Node 24, nonroot');
});

test('Dockerfile: the runtime stage runs as non-root and holds only the bundle, no node_modules, no package manager', () => {
  const user = runtime.instructions.filter((i) => /^USER\s/i.test(i));
  assert.deepEqual(user, ['USER 65532:65532']);
  const copies = runtime.instructions.filter((i) => /^(COPY|ADD)\s/i.test(i));
  assert.deepEqual(copies, [`COPY --from=${dockerStages[0]?.name} /src/${packageJson.bin.bulkhead} /app/bulkhead.mjs`]);
  assert.ok(!runtime.instructions.some((i) => /node_modules|\bnpm\b|^RUN\s/i.test(i)), 'nothing installed or run in the runtime stage');
  assert.ok(runtime.instructions.some((i) => /^ENTRYPOINT \["\/nodejs\/bin\/node", ("--[a-z-]+(=[^"]*)?", )*"\/app\/bulkhead\.mjs"\]$/.test(i)), 'node [flags] bundle');
  assert.ok(runtime.instructions.includes('CMD ["controller"]'), 'bulkhead controller by default');
  const build = dockerStages[0]?.instructions ?? [];
  assert.ok(build.some((i) => /^RUN npm ci\b/.test(i)) && build.includes('RUN node scripts/bundle.ts'));
  // The build context is an allow-list: node_modules of the machine never reach the builder.
  const ignore = read('.dockerignore').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(ignore[0], '*');
  assert.ok(!ignore.some((l) => l.includes('node_modules')));
});

test('Dockerfile: OCI labels', () => {
  const labels = runtime.instructions.filter((i) => i.startsWith('LABEL')).join(' ');
  for (const key of ['title', 'description', 'licenses', 'version', 'revision', 'created', 'source']) {
    assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key}=`), key);
  }
  assert.match(labels, new RegExp(`licenses="${packageJson.license}"`));
});

test('package.json: the bin is the bundle, built before packing; Node and type-only packages are dev dependencies', () => {
  assert.deepEqual(packageJson.bin, { bulkhead: 'dist/bulkhead.mjs' });
  assert.ok(packageJson.files.includes(packageJson.bin.bulkhead));
  assert.equal(packageJson.scripts.prepack, 'npm run bundle');
  assert.match(packageJson.scripts.sbom, /sbom/);
  assert.ok(!('node' in packageJson.dependencies), 'the node package is for clones, not for users');
  assert.ok('node' in packageJson.devDependencies);
});

/** Bare package names a source file imports at run time (`import type` is erased and does not count). */
function runtimeImports(source: string): string[] {
  const specifiers = [...source.matchAll(/^import\s+(?!type\s)[^'"]*?from\s+'([^'.][^']*)'/gm)].map((m) => m[1] ?? '');
  return specifiers.filter((s) => !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

test('package.json: what src/ imports at run time is exactly the production dependencies', () => {
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const imported = new Set(files.flatMap((f) => runtimeImports(read(join('src', f)))));
  assert.deepEqual([...imported].sort(), Object.keys(packageJson.dependencies).sort());
});

test('release workflow: amd64 and arm64, SBOM attached and attested, cosign signature, actions pinned by SHA', () => {
  const workflow = read('.github/workflows/release.yml');
  assert.match(workflow, /platforms: linux\/amd64,linux\/arm64/);
  assert.match(workflow, /npm run sbom/);
  assert.match(workflow, /cosign sign --yes "\$IMAGE@\$DIGEST"/);
  assert.match(workflow, /cosign attest --yes --type cyclonedx --predicate dist\/bulkhead\.cdx\.json/);
  assert.match(workflow, /id-token: write/);
  const uses = [...workflow.matchAll(/uses: (\S+)/g)].map((m) => m[1] ?? '');
  assert.ok(uses.length >= 6);
  for (const action of uses) assert.match(action, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, action);
});

test('CI runs exactly the README test command', () => {
  const ci = read('.ci/run');
  assert.match(ci, /^npm ci && npm test$/m);
  assert.match(read('README.md'), /^npm ci && npm test\b/m);
  assert.doesNotMatch(ci, /cluster:build/);
});
