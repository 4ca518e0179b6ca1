import assert from 'node:assert/strict';
import { test } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };

test('tests run on the Node.js major that package.json engines names (24 LTS)', () => {
  const major = Number(process.versions.node.split('.')[0]);
  assert.equal(major, 24, `running on Node ${process.versions.node}`);
  assert.match(packageJson.engines.node, /^>=24 <25$/);
});
