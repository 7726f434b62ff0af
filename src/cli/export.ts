// `feedloop export`: the HTTP exports from the command line, against the data directory or
// DATABASE_URL: the same filters (as --options), the same formats and rows, streamed to a file or
// stdout with back-pressure (constant memory), with progress on a terminal.
import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { FeedloopError } from '../core/errors.js';
import { exportChunks } from '../http/export-format.js';
import { CONVERSATION_EXPORT_PARAMETERS, exportRequestOf, FEEDBACK_EXPORT_PARAMETERS, INTERACTION_EXPORT_PARAMETERS } from '../http/routes/export.js';
import { chooseProject, CliError, openData } from './data-dir.js';

const KINDS = { feedback: FEEDBACK_EXPORT_PARAMETERS, interactions: INTERACTION_EXPORT_PARAMETERS, conversations: CONVERSATION_EXPORT_PARAMETERS } as const;
type Kind = keyof typeof KINDS;

/** --end-user for end_user, and so on: every filter of the HTTP export is an option. */
const optionOf = (parameter: string) => (parameter === 'q' ? 'q' : parameter.replace(/_/g, '-'));
const REPEATABLE = new Set(['slug', 'tag']);

export const EXPORT_HELP = `Usage: feedloop export [--kind feedback|interactions|conversations] [--format csv|jsonl] [-o FILE] [filters]

Writes an export (the rows of GET /api/v1/export/...) to FILE, or to stdout.
  --kind KIND          feedback (default), interactions or conversations
  --format FORMAT      jsonl (default) or csv (feedback only)
  -o, --output FILE    write to FILE instead of stdout
  --project NAME       the project (default: "default", or the only one)
  --json               print a summary as one JSON object (on stderr when the export goes to stdout)
Filters, as in the list endpoints (docs/api.md): ${[...new Set(Object.values(KINDS).flatMap((p) => Object.keys(p)))].map((p) => `--${optionOf(p)}`).join(', ')}
  e.g. feedloop export --kind feedback --format csv --from 2024-05-01 --slug thumbs_down -o disliked.csv`;

export async function runExport(config: Config, argv: string[]): Promise<number> {
  const filterOptions = Object.fromEntries([...new Set(Object.values(KINDS).flatMap((p) => Object.keys(p)))]
    .map((p) => [optionOf(p), { type: 'string' as const, multiple: REPEATABLE.has(p) }]));
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      ...filterOptions,
      kind: { type: 'string', default: 'feedback' }, format: { type: 'string', default: 'jsonl' },
      output: { type: 'string', short: 'o' }, project: { type: 'string' }, json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`export takes options only (got "${positionals[0]}"); see feedloop export --help`, 2);
  const kind = values.kind as string;
  const format = values.format as string;
  if (!(kind in KINDS)) throw new CliError('--kind must be feedback, interactions or conversations', 2);
  if (format !== 'csv' && format !== 'jsonl') throw new CliError('--format must be csv or jsonl', 2);
  if (format === 'csv' && kind !== 'feedback') throw new CliError('--format csv exports feedback only (interactions and conversations are nested: use jsonl)', 2);

  // The options become the HTTP export's query, checked by the same code.
  const query: Record<string, string | string[]> = {};
  for (const parameter of Object.keys(KINDS[kind as Kind])) {
    const v = (values as Record<string, unknown>)[optionOf(parameter)];
    if (v !== undefined) query[parameter] = v as string | string[];
  }
  for (const [name, v] of Object.entries(values)) {
    if (v !== undefined && name in filterOptions && !(name.replace(/-/g, '_') in KINDS[kind as Kind])) {
      throw new CliError(`--${name} is not a filter of --kind ${kind}`, 2);
    }
  }
  let request;
  try {
    request = exportRequestOf(kind as Kind, format, query);
  } catch (error) {
    if (error instanceof FeedloopError) throw new CliError(error.errors.map((e) => `--${optionOf(e.parameter ?? '')}: ${e.detail}`).join('\n'), 2);
    throw error;
  }

  const storage = await openData(config, true);
  try {
    const { project } = await chooseProject(storage, values.project);
    let rows = 0;
    let bytes = 0;
    const started = Date.now();
    const toFile = values.output !== undefined;
    const progress = process.stderr.isTTY && toFile ? setInterval(() => {
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`\r  exported ${rows.toLocaleString('en-US')} ${kind} (${Math.round(rows / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s), ${(bytes / 1e6).toFixed(1)} MB`);
    }, 500) : null;
    const chunks = exportChunks(storage, project.id, request, Date.now(), config.pendingTtlMs, (n) => { rows += n; });
    const counted = Readable.from((async function* () {
      for await (const chunk of chunks) {
        bytes += Buffer.byteLength(chunk);
        yield chunk;
      }
    })(), { objectMode: false, highWaterMark: 64 * 1024 });
    const sink: Writable = toFile ? createWriteStream(values.output!) : process.stdout;
    try {
      await pipeline(counted, sink, { end: toFile });
    } finally {
      if (progress) {
        clearInterval(progress);
        process.stderr.write('\r\x1b[K');
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const summary = { kind, format, project: project.name, rows, bytes, seconds, file: values.output ?? null };
    if (values.json) (toFile ? process.stdout : process.stderr).write(`${JSON.stringify(summary)}\n`);
    else if (toFile) console.error(`Exported ${rows.toLocaleString('en-US')} ${kind} of project "${project.name}" to ${values.output} in ${seconds.toFixed(1)} s.`);
    return 0;
  } finally {
    await storage.close();
  }
}
