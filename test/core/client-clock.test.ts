// Correction of a wrong client clock from a batch's sent_at (core/client-clock.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOCK_CORRECTION_THRESHOLD_MS, clientClockOffset, correctTimestamp } from '../../src/core/client-clock.js';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

test('offsets below the threshold are left alone, larger ones in either direction are applied', () => {
  assert.equal(clientClockOffset(null, NOW), 0);
  assert.equal(clientClockOffset(NOW - CLOCK_CORRECTION_THRESHOLD_MS + 1, NOW), 0);
  assert.equal(clientClockOffset(NOW + CLOCK_CORRECTION_THRESHOLD_MS - 1, NOW), 0);
  assert.equal(clientClockOffset(NOW - CLOCK_CORRECTION_THRESHOLD_MS, NOW), CLOCK_CORRECTION_THRESHOLD_MS);
  assert.equal(clientClockOffset(NOW - 3_600_000, NOW), 3_600_000);
  assert.equal(clientClockOffset(NOW + 600_000, NOW), -600_000);
});

test("an event keeps its distance from the send; none lands after the batch's arrival", () => {
  const offset = clientClockOffset(NOW - 3_600_000, NOW);
  assert.equal(correctTimestamp(NOW - 3_600_000 - 5000, offset, NOW), NOW - 5000);
  assert.equal(correctTimestamp(NOW - 3_600_000 - 86_400_000, offset, NOW), NOW - 86_400_000);
  assert.equal(correctTimestamp(NOW - 3_000_000, offset, NOW), NOW, 'an event after the send (the clock jumped) is clamped');
  assert.equal(correctTimestamp(NOW + 7, 0, NOW), NOW + 7, 'no correction: as sent');
});
