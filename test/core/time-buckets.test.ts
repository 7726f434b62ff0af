// Time buckets of the statistics: UTC, a zone with daylight saving time, and zones rollups cannot serve.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketIndex, bucketStart, bucketStarts, formatInZone, offsetAt, TimeZoneError } from '../../src/core/time-buckets.js';

const iso = (t: number) => new Date(t).toISOString();

describe('time buckets', () => {
  test('UTC days and ISO weeks (Monday)', () => {
    const t = Date.parse('2024-05-01T13:45:00Z'); // a Wednesday
    assert.equal(iso(bucketStart(t, 'day', 'UTC')), '2024-05-01T00:00:00.000Z');
    assert.equal(iso(bucketStart(t, 'week', 'UTC')), '2024-04-29T00:00:00.000Z');
    assert.equal(iso(bucketStart(t, 'hour', 'UTC')), '2024-05-01T13:00:00.000Z');
  });
  test('every bucket overlapping the range is listed, no holes', () => {
    const starts = bucketStarts(Date.parse('2024-05-01T12:00:00Z'), Date.parse('2024-05-04T00:00:00Z'), 'day', 'UTC').map(iso);
    assert.deepEqual(starts, ['2024-05-01T00:00:00.000Z', '2024-05-02T00:00:00.000Z', '2024-05-03T00:00:00.000Z']);
  });
  test('local days across a daylight-saving change in Europe/Rome are 23 and 25 hours long', () => {
    const spring = bucketStarts(Date.parse('2024-03-30T00:00:00Z'), Date.parse('2024-04-01T00:00:00Z'), 'day', 'Europe/Rome');
    assert.deepEqual(spring.map(iso), ['2024-03-29T23:00:00.000Z', '2024-03-30T23:00:00.000Z', '2024-03-31T22:00:00.000Z']);
    assert.equal(spring[2]! - spring[1]!, 23 * 3_600_000);
    const autumn = bucketStarts(Date.parse('2024-10-27T00:00:00Z'), Date.parse('2024-10-28T12:00:00Z'), 'day', 'Europe/Rome');
    assert.equal(autumn[1]! - autumn[0]!, 25 * 3_600_000);
    assert.equal(formatInZone(spring[2]!, 'Europe/Rome'), '2024-04-01T00:00:00.000+02:00');
    assert.equal(offsetAt(Date.parse('2024-01-15T00:00:00Z'), 'America/New_York'), -5 * 3_600_000);
  });
  test('zones with a fractional-hour offset and unknown zones are refused', () => {
    assert.throws(() => bucketStarts(Date.parse('2024-05-01T00:00:00Z'), Date.parse('2024-05-03T00:00:00Z'), 'day', 'Asia/Kolkata'), TimeZoneError);
    assert.throws(() => bucketStart(0, 'day', 'Mars/Olympus'), TimeZoneError);
  });
  test('bucketIndex finds the bucket of an instant', () => {
    const starts = [0, 10, 20];
    assert.deepEqual([bucketIndex(starts, -1), bucketIndex(starts, 0), bucketIndex(starts, 15), bucketIndex(starts, 99)], [-1, 0, 1, 2]);
  });
});
