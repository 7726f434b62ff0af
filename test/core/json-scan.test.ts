// The pre-parse scan of request bodies (src/core/wire/json-scan.ts): it agrees with JSON.parse on
// what is JSON, never recurses (a million levels of nesting are scanned, not overflowed), and names
// by pointer what it rejects beyond the grammar.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { scanJson, type JsonLimits } from '../../src/core/wire/json-scan.js';

const LIMITS: JsonLimits = { maxDepth: 64, maxStringLength: 1000, maxKeyLength: 100, maxItems: 100 };
const WIDE: JsonLimits = { maxDepth: 1000, maxStringLength: 1e9, maxKeyLength: 1e9, maxItems: 1e9 };

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

test('every JSON text JSON.parse accepts passes the grammar, and nothing it rejects does', () => {
  // Generated values (unique keys, no NUL or lone surrogates: those are rejected on purpose, below).
  fc.assert(fc.property(fc.json({ depthSize: 'medium' }), (text) => {
    const scan = scanJson(text, WIDE);
    if (!scan.ok) assert.notEqual(scan.kind, 'syntax', `${text}: ${JSON.stringify(scan)}`);
  }), { numRuns: 300 });
  // Arbitrary text, and JSON with one character changed: the grammar verdicts must agree.
  const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '-', '.', 'e', 'x', '\n', '\u0001', 'u'))
    .map(([text, at, c]) => { const k = at % (text.length + 1); return text.slice(0, k) + c + text.slice(k + 1); });
  fc.assert(fc.property(fc.oneof(fc.string(), mutated), (text) => {
    const scan = scanJson(text, WIDE);
    const syntaxError = !scan.ok && scan.kind === 'syntax';
    if (parses(text)) assert.ok(!syntaxError, `JSON.parse accepts ${JSON.stringify(text)} but the scan says ${JSON.stringify(scan)}`);
    else assert.ok(syntaxError, `JSON.parse rejects ${JSON.stringify(text)} but the scan says ${JSON.stringify(scan)}`);
  }), { numRuns: 2000 });
});

test('a million levels of nesting are rejected at the limit, without recursion', () => {
  const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
  const scan = scanJson(`{"a": {"b": ${deep}}}`, LIMITS);
  assert.equal(scan.ok, false);
  if (scan.ok || scan.kind !== 'content') throw new Error('expected a content error');
  assert.equal(scan.errors.length, 1);
  assert.match(scan.errors[0]!.pointer, /^\/a\/b(\/0){62}$/);
  assert.match(scan.errors[0]!.detail, /nested deeper than 64/);
});

test('limits on strings, keys and items name the value', () => {
  const check = (text: string, pointer: string, detail: RegExp) => {
    const scan = scanJson(text, LIMITS);
    assert.ok(!scan.ok && scan.kind === 'content', `${text}: ${JSON.stringify(scan)}`);
    assert.deepEqual(scan.errors.map((e) => e.pointer), [pointer]);
    assert.match(scan.errors[0]!.detail, detail);
  };
  check(`{"a": [1, "${'x'.repeat(1001)}"]}`, '/a/1', /at most 1000 characters \(has 1001\)/);
  check(`{"a": "${'\\u0041'.repeat(1000)}"}`.replace('"a": "', '"a": "x'), '/a', /has 1001/);
  check(`{"${'k'.repeat(101)}": 1}`, `/${'k'.repeat(64)}…`, /member names must be at most 100/);
  check(`{"a": [${Array.from({ length: 101 }, () => 0).join(',')}]}`, '/a', /at most 100 elements/);
  check(`{"a": {${Array.from({ length: 101 }, (_, k) => `"k${k}": 0`).join(',')}}}`, '/a', /at most 100 members/);
  assert.equal(scanJson(`{"a": [${Array.from({ length: 100 }, () => 0).join(',')}], "b": "${'x'.repeat(1000)}"}`, LIMITS).ok, true);
});

test('duplicate keys, __proto__, constructor.prototype, NUL, unpaired surrogates and huge numbers are named', () => {
  const pointers = (text: string) => {
    const scan = scanJson(text, LIMITS);
    return scan.ok ? [] : scan.kind === 'content' ? scan.errors.map((e) => `${e.pointer} ${e.detail}`) : [`syntax ${scan.detail}`];
  };
  assert.match(pointers('{"a": 1, "b": {"c": 1, "c": 2}}')[0]!, /^\/b\/c .*appears twice/);
  assert.match(pointers('{"x": [{"__proto__": {"admin": true}}]}')[0]!, /^\/x\/0\/__proto__ /);
  assert.match(pointers('{"constructor": {"prototype": {"a": 1}}}')[0]!, /^\/constructor\/prototype /);
  assert.deepEqual(pointers('{"constructor": "a label", "prototype": 1}'), []);
  assert.match(pointers('{"t": "a\\u0000b"}')[0]!, /^\/t .*U\+0000/);
  assert.match(pointers('{"t": "\\ud800"}')[0]!, /^\/t .*unpaired/);
  assert.match(pointers('{"t": "\\udc00\\ud800"}')[0]!, /^\/t .*unpaired/);
  assert.match(pointers('{"t": "\\ud800x"}')[0]!, /^\/t .*unpaired/);
  assert.deepEqual(pointers('{"t": "\\ud83d\\ude00 😀"}'), []);
  assert.match(pointers('{"v": [1e999]}')[0]!, /^\/v\/0 .*too large/);
  assert.match(pointers('{"a~b/c": "\\u0000"}')[0]!, /^\/a~0b~1c /);
});

test('syntax errors give the byte offset and never repeat the input', () => {
  const scan = scanJson('{"é": 1,, "secret-token-abc": 2}', LIMITS);
  assert.ok(!scan.ok && scan.kind === 'syntax');
  assert.equal(scan.offset, 9); // the second comma: "é" takes two bytes
  assert.doesNotMatch(scan.detail, /secret/);
  for (const text of ['', '   ', '{', '{"a"', '{"a":', '[1,]', '"\u0001"', '01', '{"a": tru}', '{} {}', '"\\x"', '"\\u12"']) {
    const s = scanJson(text, LIMITS);
    assert.ok(!s.ok && s.kind === 'syntax', `${JSON.stringify(text)}: ${JSON.stringify(s)}`);
  }
});

test('at most 20 content errors are listed; all are counted', () => {
  const text = `{"a": [${Array.from({ length: 50 }, () => '"\\u0000"').join(',')}]}`;
  const scan = scanJson(text, LIMITS);
  assert.ok(!scan.ok && scan.kind === 'content');
  assert.equal(scan.errors.length, 20);
  assert.equal(scan.total, 50);
});
