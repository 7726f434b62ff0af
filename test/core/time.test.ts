import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseTimestamp } from '../../src/core/time.js';
import { createContentHasher, normalizeText } from '../../src/core/text.js';

test('ISO 8601 timestamps with Z, offsets, no zone (UTC), a space, and long fractions', () => {
  const t = Date.UTC(2023, 11, 7, 15, 0, 0);
  assert.equal(parseTimestamp('2023-12-07T15:00:00.000Z'), t);
  assert.equal(parseTimestamp('2023-12-07T17:00:00+02:00'), t);
  assert.equal(parseTimestamp('2023-12-07T10:00:00-0500'), t);
  assert.equal(parseTimestamp('2023-12-07T15:00:00'), t);
  assert.equal(parseTimestamp('2023-12-07 15:00:00.123456'), t + 123);
  assert.equal(parseTimestamp('2023-12-07'), Date.UTC(2023, 11, 7));
});

test('text that is not an ISO 8601 date-time is rejected', () => {
  for (const bad of ['', 'yesterday', 'Dec 7 2023', '2023-02-30T00:00:00Z', '2023-13-01', '2023-12-07T25:00:00Z', '1701961200']) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
});

test('the toISOString shape, read without the regular expression, agrees with Date for any instant', () => {
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 5000; i++) {
    const instant = Date.UTC(1970, 0, 1) + (next() % 4_000_000) * 1_000_003 + (next() % 1000);
    assert.equal(parseTimestamp(new Date(instant).toISOString()), instant);
  }
  assert.equal(parseTimestamp('2024-02-29T23:59:59.999Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  for (const bad of ['2023-02-29T00:00:00.000Z', '2023-04-31T00:00:00.000Z', '2023-00-10T00:00:00.000Z', '2023-1a-07T15:00:00.000Z',
    '2023-12-07T15:60:00.000Z', '2023-12-07T15:00:00.00aZ', '2023-12-07X15:00:00.000Z']) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
});

test('durations in configuration', () => {
  assert.equal(parseDuration('120s'), 120_000);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('soon'), null);
});

test('content hashes ignore white space differences and Unicode composition, and depend on the secret', () => {
  const hash = createContentHasher('secret-a');
  assert.equal(normalizeText('  caf\u0065\u0301\n\tau  lait '), 'caf\u00e9 au lait');
  assert.equal(hash('café  au\nlait'), hash('cafe\u0301 au lait'));
  assert.notEqual(hash('café au lait'), hash('Café au lait'));
  assert.notEqual(hash('x'), createContentHasher('secret-b')('x'));
});

test('ids are UUID v7, unique and increasing even within one millisecond', async () => {
  const { newId } = await import('../../src/core/ids.js');
  const ids = Array.from({ length: 2000 }, () => newId(1_700_000_000_000));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  for (const id of ids.slice(0, 5)) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('years 0000-0099 keep their value (Date.UTC would read them as 1900-1999), and no field rolls over silently', () => {
  const year50 = parseTimestamp('0050-03-01T00:00:00Z');
  assert.equal(new Date(year50!).getUTCFullYear(), 50);
  assert.equal(new Date(parseTimestamp('0000-01-01T00:00:00.000Z')!).toISOString(), '0000-01-01T00:00:00.000Z');
  assert.equal(new Date(parseTimestamp('0099-12-31 23:59:59')!).toISOString(), '0099-12-31T23:59:59.000Z');
  assert.equal(parseTimestamp('0004-02-29T00:00:00Z'), Date.parse('0004-02-29T00:00:00Z'));
  assert.equal(parseTimestamp('0003-02-29T00:00:00Z'), null);
  // 24:00 is the end of the day; 24:30 is no time at all; offsets beyond 23:59 do not exist.
  assert.equal(parseTimestamp('2023-12-07T24:00:00Z'), Date.UTC(2023, 11, 8));
  assert.equal(parseTimestamp('2023-12-07T24:30:00Z'), null);
  assert.equal(parseTimestamp('2023-12-07T10:00:00+25:00'), null);
  assert.equal(parseTimestamp('2023-12-07T10:00:00+01:75'), null);
});

test('the window of accepted timestamps: not before the earliest, not beyond the allowed future', async () => {
  const { outsideWindow } = await import('../../src/core/time.js');
  const now = Date.UTC(2025, 0, 1);
  const window = { earliest: 0, maxFutureMs: 86_400_000, now };
  assert.equal(outsideWindow(now, window), null);
  assert.equal(outsideWindow(0, window), null);
  assert.match(outsideWindow(-1, window)!, /before 1970-01-01T00:00:00.000Z/);
  assert.equal(outsideWindow(now + 86_400_000, window), null);
  assert.match(outsideWindow(now + 86_400_001, window)!, /more than 1 day in the future/);
  assert.match(outsideWindow(parseTimestamp('0050-01-01T00:00:00Z')!, window)!, /before/);
});
