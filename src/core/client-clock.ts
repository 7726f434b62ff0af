// Correcting a browser's wrong clock. Feedback timestamps come from the end user's device, whose
// clock may be minutes or hours off, and linking compares them with interaction times taken on the
// app's servers. A batch says when the client sent it (`sent_at`, its own clock); the server notes
// when it arrived (its clock). offset = received - sent_at is the client's clock error plus the
// one-way network delay. When the offset is larger than delay can explain, every timestamp of the
// batch is moved by it: an event's distance from the send is kept (an event queued offline for
// three days stays three days old), its clock error is removed.

/** Offsets below this are network delay as often as clock error: timestamps are left as sent. */
export const CLOCK_CORRECTION_THRESHOLD_MS = 2000;

/** The correction to apply to a batch's timestamps, in ms (0: none). */
export function clientClockOffset(sentAt: number | null, receivedAt: number): number {
  if (sentAt === null) return 0;
  const offset = receivedAt - sentAt;
  return Math.abs(offset) < CLOCK_CORRECTION_THRESHOLD_MS ? 0 : offset;
}

/** An event's timestamp on the server's clock; never after the batch arrived. */
export function correctTimestamp(timestamp: number, offset: number, receivedAt: number): number {
  return offset === 0 ? timestamp : Math.min(timestamp + offset, receivedAt);
}
