// Key management over HTTP: a secret key manages its own project's keys (API.md "Keys").
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { checkKeyOptions, type Keys } from '../../app/keys.js';
import { FeedloopError } from '../../core/errors.js';
import { formatTimestamp } from '../../core/time.js';
import type { ApiKeyRecord } from '../../storage/port.js';
import { projectOf } from '../auth.js';
import { validBody } from '../validation.js';

const CreateKeyBody = Type.Object({
  kind: Type.Unsafe<'secret' | 'publishable'>({ type: 'string', enum: ['secret', 'publishable'] }),
  origins: Type.Optional(Type.Array(Type.String())),
  name: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] })),
  require_token: Type.Optional(Type.Boolean({ description: 'publishable keys only: refuse feedback without a valid feedback token' })),
});
type CreateKeyBody = Static<typeof CreateKeyBody>;

const keyView = (k: ApiKeyRecord) => ({
  id: k.id, kind: k.kind, name: k.name, prefix: k.keyPrefix, origins: k.origins, require_token: k.requireToken,
  created_at: formatTimestamp(k.createdAt), revoked_at: k.revokedAt === null ? null : formatTimestamp(k.revokedAt),
});

export function registerKeyRoutes(app: FastifyInstance, keys: Keys): void {
  app.post('/api/v1/keys', { schema: { body: CreateKeyBody }, attachValidation: true, config: { bodySize: 'small' } }, async (request, reply) => {
    const body = validBody<CreateKeyBody>(request, checkKeyOptions);
    const project = projectOf(request);
    const created = await keys.createInProject(project, {
      kind: body.kind, name: body.name ?? null, origins: body.origins ?? [], requireToken: body.require_token === true,
    });
    reply.code(201);
    return { ...keyView(created.record), key: created.key };
  });

  app.get('/api/v1/keys', async (request) => ({ items: (await keys.list(projectOf(request))).map(keyView), next_cursor: null }));

  app.delete('/api/v1/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    // Over HTTP a project keeps at least one secret key: revoking the last one would lock it out.
    const revoked = await keys.revoke(id, projectOf(request), { keepLastSecretKey: true });
    if (!revoked) throw new FeedloopError('not_found', `No key ${id} in this project`);
    return keyView(revoked);
  });
}
