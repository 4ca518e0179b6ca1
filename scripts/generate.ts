// `npm run generate`: writes every generated file (see generated-files.ts) and removes left-over ones from the
// generated folders; a unit test fails when one is stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDirs, generatedFiles } from './generated-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const written = new Set<string>();
for (const file of generatedFiles) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.render());
  written.add(file.path);
  process.stdout.write(`wrote ${file.path}\n`);
}
for (const dir of generatedDirs) {
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(root, join(entry.parentPath, entry.name));
    if (written.has(path)) continue;
    rmSync(join(root, path));
    process.stdout.write(`removed ${path}\n`);
  }
}
