// Worker thread body for the PII pool: receives { id, texts }, replies { id, results }.
import { parentPort } from 'node:worker_threads';
import { anonymizeText } from '../core/pii/index.js';

interface Request {
  id: number;
  texts: string[];
}

parentPort?.on('message', (request: Request) => {
  try {
    parentPort?.postMessage({ id: request.id, results: request.texts.map((t) => anonymizeText(t)) });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
