// `feedloop <command>`: serve, keys create|list|revoke, demo. `--json` prints one JSON object on stdout.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { runDemo } from './demo.js';
import { runKeys } from './keys.js';
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

Options:
  --json      print one JSON object on stdout
  --help      this text

Configuration comes from the environment (PORT, HOST, FEEDLOOP_DATA_DIR, DATABASE_URL, ...): see README.md.`;

async function main(argv: string[]): Promise<number> {
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
    console.error(`feedloop: ${error instanceof ConfigError || error instanceof TypeError ? error.message : (error as Error).stack ?? error}`);
    process.exitCode = 1;
  },
);
