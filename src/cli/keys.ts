// `feedloop keys create|list|revoke`, against the same data directory or DATABASE_URL as the server.
import { checkKeyOptions, DEFAULT_PROJECT, Keys } from '../app/keys.js';
import type { Config } from '../config.js';
import { formatTimestamp } from '../core/time.js';
import { openStorage } from '../storage/open.js';
import type { ApiKeyKind, ApiKeyRecord } from '../storage/port.js';

interface KeyOptions { json?: boolean; project?: string; kind?: string; name?: string; origin?: string[]; 'require-token'?: boolean }

function keyJson(k: ApiKeyRecord, project: string | undefined) {
  return {
    id: k.id, project, kind: k.kind, name: k.name, prefix: k.keyPrefix, origins: k.origins, require_token: k.requireToken,
    created_at: formatTimestamp(k.createdAt), revoked_at: k.revokedAt === null ? null : formatTimestamp(k.revokedAt),
  };
}

export async function runKeys(config: Config, args: string[], options: KeyOptions): Promise<number> {
  const [action, target] = args;
  const storage = await openStorage(config);
  try {
    const keys = new Keys(storage);
    const print = (json: unknown, text: string) => console.log(options.json ? JSON.stringify(json) : text);
    const projectId = options.project ? (await storage.findProjectByName(options.project))?.id ?? null : null;
    if (options.project && projectId === null && action !== 'create') {
      console.error(`feedloop: no project named "${options.project}"`);
      return 1;
    }
    switch (action) {
      case 'create': {
        const kind = (options.kind ?? 'secret') as ApiKeyKind;
        if (kind !== 'secret' && kind !== 'publishable') {
          console.error('feedloop: --kind must be secret or publishable');
          return 2;
        }
        const requireToken = options['require-token'] === true;
        const problems = checkKeyOptions({ kind, origins: options.origin ?? [], require_token: requireToken });
        if (problems.length > 0) {
          console.error(`feedloop: ${problems.map((p) => `${p.pointer === '/require_token' ? '--require-token' : '--origin'}: ${p.detail}`).join('; ')}`);
          return 2;
        }
        const project = options.project ?? DEFAULT_PROJECT;
        const created = await keys.create(project, { kind, name: options.name ?? null, origins: options.origin ?? [], requireToken });
        print({ project, key: created.key, kind, id: created.record.id, prefix: created.record.keyPrefix, origins: created.record.origins, require_token: requireToken },
          `Created a ${kind} key for project "${project}" (shown once, keep it):\n${created.key}`);
        return 0;
      }
      case 'list': {
        const all = await keys.list(projectId);
        print({ keys: all.map((k) => keyJson(k, options.project)) },
          all.length === 0 ? 'No keys.' : all.map((k) => `${k.id}  ${k.keyPrefix}…  ${k.kind}${k.revokedAt !== null ? '  (revoked)' : ''}  ${k.name ?? ''}`).join('\n'));
        return 0;
      }
      case 'revoke': {
        if (!target) {
          console.error('feedloop: keys revoke needs the key id or its prefix');
          return 2;
        }
        const revoked = await keys.revoke(target, projectId);
        if (!revoked) {
          print({ error: 'not_found', id: target }, `No key ${target}.`);
          return 1;
        }
        print({ revoked: true, ...keyJson(revoked, options.project) }, `Revoked key ${revoked.id} (${revoked.keyPrefix}…).`);
        return 0;
      }
      default:
        console.error('feedloop: keys needs create, list or revoke');
        return 2;
    }
  } finally {
    await storage.close();
  }
}
