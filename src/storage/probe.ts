// The value a readiness write probe stores (Storage.probe(true)): 64 KiB of random text, the size
// of a large request's rows and incompressible, so that a probe needs new space in the WAL and the
// table as real writes do. A probe of a few bytes fits in a page's free space and reports a full
// disk as writable, which would send traffic back to an instance that cannot take it.
import { randomBytes } from 'node:crypto';

export const PROBE_BYTES = 64 * 1024;

export function probePayload(): string {
  return randomBytes((PROBE_BYTES / 4) * 3).toString('base64');
}
