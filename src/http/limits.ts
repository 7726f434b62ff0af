// Body size by route class: each route says in `config.bodySize` which class it belongs to, and an
// onRoute hook gives it that class's limit (413 beyond), so a route added later needs one word.
// `small` (64 KiB): feedback, tags, keys; `default` (1 MiB): single interactions and any route
// that names no class; `large` (8 MiB): conversations and batches.
import type { FastifyInstance } from 'fastify';

export type BodySize = 'small' | 'default' | 'large';

declare module 'fastify' {
  interface FastifyContextConfig { bodySize?: BodySize }
}

export function registerBodyLimits(app: FastifyInstance, limits: Record<BodySize, number>): void {
  app.addHook('onRoute', (route) => {
    // A route that sets bodyLimit itself keeps it.
    if (route.bodyLimit === undefined) route.bodyLimit = limits[route.config?.bodySize ?? 'default'];
  });
}
