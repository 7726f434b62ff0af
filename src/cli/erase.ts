// `feedloop erase --end-user ID`: the erasure of DELETE /api/v1/users/{end_user} (app/erasure.ts)
// from the command line, against the data directory or DATABASE_URL.
import { parseArgs } from 'node:util';
import { eraseEndUser } from '../app/erasure.js';
import type { Config } from '../config.js';
import { chooseProject, CliError, openData } from './data-dir.js';

export const ERASE_HELP = `Usage: feedloop erase --end-user ID [--project NAME] [--json]

Deletes every interaction, feedback and tag update of end user ID, and their share of the
statistics, in one transaction; other users' feedback about the deleted interactions is kept,
orphaned. Afterwards no list, export, statistic or database page holds their text (docs/data.md).
Asked again for the same end user, it removes nothing and says so.`;

export async function runErase(config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { 'end-user': { type: 'string' }, project: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(ERASE_HELP);
    return 0;
  }
  const endUser = values['end-user'];
  if (endUser === undefined || endUser === '' || positionals.length > 0) throw new CliError('erase needs --end-user ID (and nothing else); see feedloop erase --help', 2);
  const storage = await openData(config, true);
  try {
    const { project } = await chooseProject(storage, values.project);
    const started = Date.now();
    const result = await eraseEndUser(storage, project.id, endUser);
    const seconds = (Date.now() - started) / 1000;
    if (values.json) console.log(JSON.stringify({ project: project.name, end_user: endUser, ...result, seconds }));
    else if (result.interactions + result.feedback + result.tag_updates === 0) console.log(`Nothing stored for end user "${endUser}" in project "${project.name}".`);
    else {
      console.log(`Erased end user "${endUser}" of project "${project.name}" in ${seconds.toFixed(2)} s: ${result.interactions} interaction(s), `
        + `${result.feedback} feedback, ${result.tag_updates} tag update(s)`
        + (result.feedback_unlinked > 0 ? `; ${result.feedback_unlinked} feedback of other end users about them kept, now orphaned.` : '.'));
    }
    return 0;
  } finally {
    await storage.close();
  }
}
