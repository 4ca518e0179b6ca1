/**
 * Generated YAML for the differential test of src/cli/yaml-subset.ts: documents assembled at random from lines that
 * manifests use and lines that step just outside the subset, so that both the reader's answers and its refusals
 * are compared against the yaml package.
 */
const keys = ['name', 'spec', 'on', 'yes', 'true', '50', '1.5', 'a.b/c-d', '.dot', '"quoted key"', "'single'", 'dup', 'dup', '__proto__', '-dash', 'x', 'null', '"on"', 'a b'];
const scalars = [
  'value', '1', '-1', '+1', '08', '0o17', '0x1F', '1e3', '1E3', '1.', '.5', '1.50', '1_000', '.inf', '-.inf', '.NaN', '~', 'null', 'NULL', 'Null',
  'True', 'FALSE', 'yes', 'off', '"a\\nb"', '"\\u00e9t\\u00e9"', '"\\x41"', '"\\/"', "'it''s'", "''", '""', '"unterminated', "'open",
  '[a, b]', '[ "x" , \'y\' ]', '[]', '{}', '{a: 1, b: [c]}', '{a: 1}', '{a: b, c: d}', '{a}', '[a,]', '[a, [b]]', '[a: b]', '[{a: [1, {b: c}]}, []]', '{a: {b: [c]}, d: {}}', '[2001:db8:dead::/48]',
  'a # comment', 'a#b', 'a  b', '::/0', '0.0.0.0/0', '2001:db8::/32', 'http://x:8080/y', '&anchor x', '*alias', '!!str 5', '|', '>-', '- x',
  'a: b', 'a:', '%x', '@x', '`x', ',x', '?', ':', '-', 'ünï', 'AgB4k2Vx9Q7b3YhP0w==', 'ghcr.io/acme/', '"ghcr.io/acme/"', '100m', '64Mi',
];
const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

function line(random: () => number): string {
  const indent = ' '.repeat(pick(random, [0, 0, 0, 2, 2, 4, 4, 6, 1, 3]));
  const key = pick(random, keys);
  const value = pick(random, scalars);
  switch (pick(random, ['kv', 'kv', 'kv', 'k', 'k', 'item', 'item', 'itemkv', 'itemkv', 'itemk', 'comment', 'blank', 'marker', 'dash'])) {
    case 'kv':
      return `${indent}${key}: ${value}`;
    case 'k':
      return `${indent}${key}:${pick(random, ['', ' ', ' # c'])}`;
    case 'item':
      return `${indent}- ${value}`;
    case 'itemkv':
      return `${indent}-${pick(random, [' ', '  '])}${key}: ${value}`;
    case 'itemk':
      return `${indent}- ${key}:`;
    case 'comment':
      return `${indent}# comment`;
    case 'blank':
      return indent;
    case 'marker':
      return pick(random, ['---', '--- ', '...', '--- x']);
    default:
      return `${indent}-`;
  }
}

/** A random document stream of one to ten lines. */
export function randomDocument(random: () => number): string {
  const count = 1 + Math.floor(random() * 10);
  return Array.from({ length: count }, () => line(random)).join('\n') + pick(random, ['', '\n', '\n\n']);
}

/** A deterministic random source (mulberry32), so a failure names the seed that reproduces it. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
