// The size budget: the built library is at most 3 KB minified and gzipped (the build prints and
// records the same measure in dist/size.json; this measures the file itself).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const BUDGET = 3 * 1024;

test('dist/feedloop.js is at most 3 KB minified and gzipped, and has no imports', () => {
  const code = readFileSync(new URL('../../dist/feedloop.js', import.meta.url));
  const gzip = gzipSync(code, { level: 9 }).length;
  assert.ok(gzip <= BUDGET, `${gzip} B gzipped, over the ${BUDGET} B budget`);
  assert.doesNotMatch(code.toString(), /\bimport\s*[{*"']|\brequire\(/, 'dependency-free');
  const recorded = JSON.parse(readFileSync(new URL('../../dist/size.json', import.meta.url), 'utf8')) as { gzip: number };
  assert.equal(recorded.gzip, gzip, 'the build measured this file');
});
