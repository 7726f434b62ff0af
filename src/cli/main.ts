// `feedloop <command>`: serve, keys create|list|revoke, demo, export, import, erase, backup, restore.
// `--json` prints one JSON object on stdout.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { BACKUP_HELP, RESTORE_HELP, runBackup, runRestore } from './backup.js';
import { CliError } from './data-dir.js';
import { ERASE_HELP, runErase } from './erase.js';
import { EXPORT_HELP, runExport } from './export.js';
import { IMPORT_HELP, runImport } from './import.js';
import { KEYS_HELP, runKeys } from './keys.js';
import { runDemo } from './demo.js';
import { runRollups } from './rollups.js';
import { runServe } from './serve.js';

const USAGE = `Usage: feedloop <command> [options]

Commands:
  serve                                 run the server (what \`npm start\` runs)
  keys create --project NAME [--kind secret|publishable] [--name LABEL] [--origin URL|'*' ...] [--require-token]
  keys list [--project NAME]
  keys revoke ID_OR_PREFIX [--project NAME]
  rollups rebuild [--project NAME] [--check]
                                        recompute the statistics' rollups from the raw rows
                                        (--check: only compare, exit 1 where they differ)
  demo [--seed N] [--interactions N]    load a month of synthetic data to explore in the dashboard
  export [--kind feedback|interactions|conversations] [--format csv|jsonl] [-o FILE] [filters]
  import FILE.jsonl ... | -  [--format feedloop|langfuse|langsmith] [--anonymize true|false]
  erase --end-user ID                   delete everything of one end user
  backup FILE                           consistent copy of the SQLite database, while the server runs
  restore FILE                          put a backup in place (the server stopped)

\`feedloop <command> --help\` describes each command.

Options:
  --json      print one JSON object on stdout
  --help      this text

Configuration comes from the environment (PORT, HOST, FEEDLOOP_DATA_DIR, DATABASE_URL, ...): see README.md.`;

/** Commands that read their own options (data in and out: see their modules). */
const DATA_COMMANDS: Record<string, (config: Config, argv: string[]) => Promise<number>> = {
  export: runExport, import: runImport, erase: runErase, backup: runBackup, restore: runRestore,
};

const HELP: Record<string, string> = {
  serve: `Usage: feedloop serve\n\nRuns the server (what \`npm start\` runs), configured by the environment (README.md, "Configuration").`,
  keys: KEYS_HELP,
  rollups: `Usage: feedloop rollups rebuild [--project NAME] [--check] [--json]\n\nRecomputes the statistics' rollups from the raw rows (in one transaction: ingestion waits meanwhile).\n  --check   only compare the maintained rollups with the recomputation; exit 1 where they differ`,
  demo: `Usage: feedloop demo [--seed N] [--interactions N]\n\nLoads a month of synthetic data to explore in the dashboard.`,
  export: EXPORT_HELP, import: IMPORT_HELP, erase: ERASE_HELP, backup: BACKUP_HELP, restore: RESTORE_HELP,
};

async function main(argv: string[]): Promise<number> {
  const [first, ...others] = argv;
  if (first === 'help' && others[0] !== undefined && HELP[others[0]]) {
    console.log(HELP[others[0]]);
    return 0;
  }
  if (first !== undefined && DATA_COMMANDS[first]) return DATA_COMMANDS[first](loadConfig(process.env, { isTerminal: process.stdout.isTTY === true }), others);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      project: { type: 'string' },
      kind: { type: 'string' },
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'require-token': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      seed: { type: 'string' },
      interactions: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help && command !== undefined && HELP[command]) {
    console.log(HELP[command]);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 1 : 0;
  }
  const config = loadConfig(process.env, { isTerminal: process.stdout.isTTY === true });
  switch (command) {
    case 'serve':
      return runServe(config);
    case 'keys':
      return runKeys(config, rest, values);
    case 'rollups':
      return runRollups(config, rest, values);
    case 'demo':
      return runDemo(config, values);
    default:
      console.error(`feedloop: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== 0) process.exitCode = code; },
  (error: unknown) => {
    console.error(`feedloop: ${error instanceof ConfigError || error instanceof TypeError || error instanceof CliError ? error.message : (error as Error).stack ?? error}`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  },
);
