import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generatedFiles } from '../../scripts/generated-files.ts';

for (const file of generatedFiles) {
  test(`${file.path} is up to date with its source`, () => {
    const committed = readFileSync(new URL(`../../${file.path}`, import.meta.url), 'utf8');
    assert.ok(committed === file.render(), `${file.path} is stale: run npm run generate`);
  });
}
