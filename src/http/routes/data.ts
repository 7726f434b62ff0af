// Data in and out (docs/data.md): exports, the import, erasure of an end user.
import type { FastifyInstance } from 'fastify';
import type { Ingestion } from '../../app/ingestion.js';
import type { Storage } from '../../storage/port.js';
import type { EdgeSettings } from '../app.js';
import { registerErasureRoute } from './erasure.js';
import { registerExportRoutes } from './export.js';
import { registerImportRoute } from './import.js';

export interface DataRoutesOptions { storage: Storage; ingestion: Ingestion; pendingTtlMs: number; bodyLimitBytes: number; edge: Pick<EdgeSettings, 'jsonLimits' | 'timeWindow'> }

export async function registerDataRoutes(app: FastifyInstance, options: DataRoutesOptions): Promise<void> {
  registerExportRoutes(app, options);
  registerErasureRoute(app, options.storage);
  await registerImportRoute(app, options);
}
