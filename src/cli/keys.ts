// `feedloop keys create|list|revoke`, against the same data directory or DATABASE_URL as the server.
import { checkKeyOptions, DEFAULT_PROJECT, hashKey, Keys } from '../app/keys.js';
import type { Config } from '../config.js';
import { formatTimestamp } from '../core/time.js';
import type { ApiKeyKind, ApiKeyRecord } from '../storage/port.js';
import { CliError, openData } from './data-dir.js';

export const KEYS_HELP = `Usage: feedloop keys create|list|revoke [options] [--json]

  keys create [--project NAME] [--kind secret|publishable] [--name LABEL] [--origin URL|'*' ...] [--require-token]
              prints the new key once (project "default" when --project is not given)
  keys list [--project NAME]          every key with its project, kind, prefix and state
  keys revoke ID_OR_PREFIX [--project NAME]
              the key's id, the start of its id or prefix (as keys list shows them), or the key itself;
              an ambiguous prefix or a key already revoked is an error`;

/** The key meant by what a user typed: an id, the key itself, or the start of an id or key prefix. */
function matchKeys(all: ApiKeyRecord[], target: string): ApiKeyRecord[] {
  const exact = all.filter((k) => k.id === target || k.keyPrefix === target || k.keyHash === hashKey(target));
  if (exact.length > 0) return exact;
  return all.filter((k) => k.id.startsWith(target) || (target.length >= 6 && k.keyPrefix.startsWith(target.replace(/…$/, ''))));
}

interface KeyOptions { json?: boolean; project?: string; kind?: string; name?: string; origin?: string[]; 'require-token'?: boolean }

function keyJson(k: ApiKeyRecord, project: string | undefined) {
  return {
    id: k.id, project, kind: k.kind, name: k.name, prefix: k.keyPrefix, origins: k.origins, require_token: k.requireToken,
    created_at: formatTimestamp(k.createdAt), revoked_at: k.revokedAt === null ? null : formatTimestamp(k.revokedAt),
  };
}

export async function runKeys(config: Config, args: string[], options: KeyOptions): Promise<number> {
  const [action, target] = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    console.error(`feedloop: keys needs create, list or revoke\n\n${KEYS_HELP}`);
    return 2;
  }
  // Creating a key may start a new installation; listing and revoking need one.
  const storage = await openData(config, action !== 'create');
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
          `Created a ${kind} key for project "${project}"${options.project ? '' : ' (no --project given)'} (shown once, keep it):\n${created.key}`);
        return 0;
      }
      case 'list': {
        const all = await keys.list(projectId);
        const names = new Map((await storage.listProjects()).map((p) => [p.id, p.name]));
        const rows = all.map((k) => [k.id, names.get(k.projectId) ?? k.projectId, k.kind, `${k.keyPrefix}…`, k.revokedAt === null ? 'active' : `revoked ${formatTimestamp(k.revokedAt)}`, k.name ?? '']);
        const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...[['ID', 'PROJECT', 'KIND', 'PREFIX', 'STATE'][c]!.length, ...rows.map((r) => r[c]!.length)]));
        const line = (r: string[]) => r.map((cell, c) => (c < widths.length ? cell.padEnd(widths[c]!) : cell)).join('  ').trimEnd();
        print({ keys: all.map((k) => keyJson(k, names.get(k.projectId))) },
          all.length === 0 ? 'No keys.' : [line(['ID', 'PROJECT', 'KIND', 'PREFIX', 'STATE', 'NAME']), ...rows.map(line)].join('\n'));
        return 0;
      }
      case 'revoke': {
        if (!target) {
          console.error('feedloop: keys revoke needs the key id or its prefix');
          return 2;
        }
        const matches = matchKeys(await keys.list(projectId), target);
        if (matches.length === 0) {
          print({ error: 'not_found', id: target }, `No key ${target}.`);
          return 1;
        }
        if (matches.length > 1) {
          const listed = matches.map((k) => `${k.id} (${k.keyPrefix}…)`).join(', ');
          if (options.json) print({ error: 'ambiguous', id: target, matches: matches.map((k) => k.id) }, '');
          else console.error(`feedloop: "${target}" matches ${matches.length} keys: ${listed}; give more of the id or prefix`);
          return 1;
        }
        const [match] = matches;
        if (match!.revokedAt !== null) {
          if (options.json) print({ error: 'already_revoked', id: match!.id, revoked_at: formatTimestamp(match!.revokedAt) }, '');
          else console.error(`feedloop: key ${match!.id} (${match!.keyPrefix}…) was already revoked on ${formatTimestamp(match!.revokedAt)}`);
          return 1;
        }
        const revoked = await keys.revoke(match!.id, projectId);
        if (!revoked) throw new CliError(`key ${match!.id} disappeared while revoking it`);
        print({ revoked: true, ...keyJson(revoked, options.project) }, `Revoked key ${revoked.id} (${revoked.keyPrefix}…).`);
        return 0;
      }
    }
  } finally {
    await storage.close();
  }
}
