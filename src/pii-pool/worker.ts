// Worker thread body for the PII pool: receives { id, pieces: [{ policyKey, text }] }, replies
// { id, spans } with the PII spans of each piece. The project policies arrive as workerData.
import { parentPort, workerData } from 'node:worker_threads';
import { detectPii, PiiPolicies, type PiiConfigFile } from '../core/pii/index.js';
import type { Piece } from './scheduler.js';

interface Request {
  id: number;
  pieces: Piece[];
}

const policies = new PiiPolicies((workerData as { config?: PiiConfigFile } | null)?.config ?? {});

parentPort?.on('message', (request: Request) => {
  try {
    parentPort?.postMessage({ id: request.id, spans: request.pieces.map((p) => detectPii(p.text, policies.for(p.policyKey))) });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
