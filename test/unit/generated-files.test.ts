import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedDirs, generatedFiles } from '../../scripts/generated-files.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

for (const file of generatedFiles) {
  test(`${file.path} is up to date with its source`, () => {
    const committed = readFileSync(join(root, file.path), 'utf8');
    assert.ok(committed === file.render(), `${file.path} is stale: run npm run generate`);
  });
}

for (const dir of generatedDirs) {
  test(`${dir} holds only generated files`, () => {
    const expected = new Set(generatedFiles.map((f) => f.path));
    const present = readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)));
    assert.deepEqual(present.filter((path) => !expected.has(path)), [], 'left over: run npm run generate');
  });
}
