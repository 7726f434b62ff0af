// The write path without the HTTP edge, for commands that store data (import): the same PII step,
// group commit, linking and rollups as the server's.
import type { Anonymizer } from '../app/anonymizer.js';
import { Ingestion } from '../app/ingestion.js';
import { InProcessExecutor } from '../app/write-executor.js';
import { WriteQueue } from '../app/write-queue.js';
import type { Config } from '../config.js';
import { createContentHasher } from '../core/text.js';
import { createAnonymizer } from '../pii-pool/index.js';
import type { Storage } from '../storage/port.js';

export interface WriteStack { ingestion: Ingestion; queue: WriteQueue; close(): Promise<void> }

export async function openWriteStack(config: Config, storage: Storage, anonymizer: Anonymizer = createAnonymizer({ threads: config.piiThreads })): Promise<WriteStack> {
  const hash = createContentHasher(await storage.installationSecret());
  const executor = new InProcessExecutor(storage, { clockSkewMs: config.clockSkewMs, lookbackMs: config.lookbackMs, conversationGapMs: config.conversationGapMs });
  const queue = new WriteQueue(executor);
  return {
    ingestion: new Ingestion(queue, anonymizer, hash), queue,
    async close() {
      await queue.drain();
      await executor.close();
      await anonymizer.close();
    },
  };
}
