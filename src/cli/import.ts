// `feedloop import FILE.jsonl ... | -`: backfill through the write path (app/importer.ts), with a
// progress bar on a terminal (a line every ten seconds otherwise), every rejected line reported
// as FILE:LINE: POINTER: detail, and resumable: the committed prefix of each file is saved beside
// it (FILE.import-state.json) while it runs, so a run interrupted (Ctrl-C, a crash) goes on where
// it stopped; since the import is idempotent, starting over (--restart) is safe too.
import { createReadStream, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ImportRun, IMPORT_FORMATS, type ImportFormat, type ImportSummary, type LineError } from '../app/importer.js';
import { readLines } from '../app/line-reader.js';
import type { Config } from '../config.js';
import { createSchemaCheck } from '../http/schema-check.js';
import { serversHolding } from '../storage/server-lock.js';
import { chooseProject, CliError, openData } from './data-dir.js';
import { openWriteStack } from './write-stack.js';

export const IMPORT_HELP = `Usage: feedloop import FILE.jsonl [FILE.jsonl ...] [options]    (FILE "-" reads stdin)

Stores each line through the same validation, PII removal and linking as the HTTP API. A line is
a compat body with a "type" naming its endpoint (e.g. {"type": "v1/events/feedback", "feedback": ...}),
a line of feedloop's own export (interactions.jsonl, feedback.jsonl, conversations.jsonl), or with
--format langfuse / langsmith a line of those tools' exports (docs/data.md).
  --format FORMAT       feedloop (default), langfuse or langsmith
  --project NAME        the project (default: "default", or the only one; created if missing)
  --anonymize BOOL      true or false: overrides every line's own choice
  --restart             ignore the saved progress of an interrupted import and start over
  --json                print the summary as one JSON object
Bad lines are reported (FILE:LINE: /json/pointer: what is wrong) and the rest is stored; the exit
code is 1 when any line was rejected. Running the same file again stores nothing twice.`;

interface SavedState { size: number | null; mtimeMs: number | null; project: string; format: ImportFormat; committed_line: number; committed_offset: number }

const stateFile = (file: string) => `${file}.import-state.json`;

function readState(file: string): SavedState | null {
  try {
    return JSON.parse(readFileSync(stateFile(file), 'utf8')) as SavedState;
  } catch {
    return null;
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export async function runImport(config: Config, argv: string[]): Promise<number> {
  const { values, positionals: files } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      format: { type: 'string', default: 'feedloop' }, project: { type: 'string' }, anonymize: { type: 'string' },
      restart: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(IMPORT_HELP);
    return 0;
  }
  if (files.length === 0) throw new CliError('import needs a file (or - for stdin); see feedloop import --help', 2);
  const format = values.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(format)) throw new CliError(`--format must be one of ${IMPORT_FORMATS.join(', ')}`, 2);
  if (values.anonymize !== undefined && values.anonymize !== 'true' && values.anonymize !== 'false') throw new CliError('--anonymize must be true or false', 2);
  const anonymize = values.anonymize === undefined ? null : values.anonymize === 'true';
  for (const file of files) if (file !== '-' && !existsSync(file)) throw new CliError(`no file ${file}`);
  if (config.databaseUrl === null) {
    const servers = serversHolding(config.dataDir);
    if (servers.length > 0) {
      throw new CliError(`a server (pid ${servers.map((s) => s.pid).join(', ')}) is running on ${config.dataDir}: import through it instead, `
        + 'so that its writes and the import share one writer: curl -X POST --data-binary @FILE -H "content-type: application/x-ndjson" '
        + '-H "authorization: Bearer $KEY" "http://HOST:PORT/api/v1/import" (docs/data.md), or stop it first');
    }
  }

  const storage = await openData(config, false);
  const stack = await openWriteStack(config, storage);
  const check = createSchemaCheck();
  const interactive = process.stderr.isTTY === true && !values.json;
  let printed = 0;
  const report = (file: string) => (e: LineError) => {
    if (printed++ < 100) process.stderr.write(`${file}:${e.line}: ${e.pointer || '(line)'}: ${e.detail}\n`);
    else if (printed === 101) process.stderr.write('… further errors not shown (--json lists the first 1000)\n');
  };
  const summaries: (ImportSummary & { file: string; resumed_from_line: number })[] = [];
  let interrupted = false;
  try {
    const { project, created } = await chooseProject(storage, values.project, true);
    if (created && !values.json) console.error(`Created project "${project.name}".`);
    for (const file of files) {
      const size = file === '-' ? null : statSync(file).size;
      const mtimeMs = file === '-' ? null : statSync(file).mtimeMs;
      let from = { line: 0, offset: 0 };
      const saved = file === '-' || values.restart ? null : readState(file);
      if (saved) {
        if (saved.size !== size || saved.mtimeMs !== mtimeMs || saved.project !== project.name || saved.format !== format) {
          throw new CliError(`${file} has changed (or the project or format differ) since an import of it was interrupted; run with --restart to import it from the start`);
        }
        from = { line: saved.committed_line, offset: saved.committed_offset };
        if (!values.json) console.error(`Resuming ${file} after line ${from.line.toLocaleString('en-US')} (--restart to start over).`);
      }
      const run = new ImportRun(stack.ingestion, storage, check, {
        projectId: project.id, format, anonymize, firstLine: from.line + 1, firstOffset: from.offset, onError: report(file),
        jsonLimits: config.jsonLimits, window: config.timeWindow,
      });
      const save = () => {
        if (file === '-') return;
        const c = run.committed();
        try {
          writeFileSync(stateFile(file), JSON.stringify({ size, mtimeMs, project: project.name, format, committed_line: c.line, committed_offset: c.offset } satisfies SavedState));
        } catch { /* a read-only directory: no resume, the import itself goes on */ }
      };
      const onSignal = () => {
        interrupted = true;
        run.stop();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);

      const started = Date.now();
      const input = file === '-' ? process.stdin : createReadStream(file, { start: from.offset, highWaterMark: 1 << 20 });
      const bar = interactive ? new cliProgress.SingleBar({
        format: `${file === '-' ? 'stdin' : file} {bar} {percentage}% | {lines} lines | {rate} events/s | ETA {eta_formatted}`,
        hideCursor: true, stream: process.stderr, etaBuffer: 50,
      }, cliProgress.Presets.shades_classic) : null;
      bar?.start(size ?? 1, from.offset, { lines: from.line, rate: 0 });
      let lastLine = Date.now();
      const tick = setInterval(() => {
        const seconds = (Date.now() - started) / 1000;
        const rate = Math.round(run.counts.lines / Math.max(seconds, 0.001));
        const bytes = run.position();
        if (bar) bar.update(size === null ? 0 : Math.min(bytes, size), { lines: (from.line + run.counts.lines).toLocaleString('en-US'), rate: rate.toLocaleString('en-US') });
        else if (!values.json && Date.now() - lastLine >= 10_000) {
          lastLine = Date.now();
          const share = size ? (bytes - from.offset) / Math.max(1, size - from.offset) : null;
          const eta = share ? (seconds / share) * (1 - share) : NaN;
          console.error(`import ${file}: ${(from.line + run.counts.lines).toLocaleString('en-US')} lines, ${rate.toLocaleString('en-US')} events/s`
            + (size ? `, ${Math.round((bytes / size) * 100)}%, ETA ${formatDuration(eta)}` : ''));
        }
        save();
      }, interactive ? 200 : 1000);
      let summary: ImportSummary;
      try {
        summary = await run.consume(readLines(input, from.offset, config.bodyLimitBytes));
      } finally {
        clearInterval(tick);
        bar?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const seconds = (Date.now() - started) / 1000;
      if (summary.interrupted) save();
      else if (file !== '-') rmSync(stateFile(file), { force: true });
      summaries.push({ ...summary, file, resumed_from_line: from.line });
      if (!values.json) {
        const rate = Math.round(summary.lines / Math.max(seconds, 0.001));
        console.error(`${file}: ${summary.lines.toLocaleString('en-US')} lines in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} events/s): `
          + `${summary.stored} stored, ${summary.unchanged} already there, ${summary.skipped} skipped, ${summary.failed} rejected.`);
        for (const [reason, n] of Object.entries(summary.skipped_reasons)) console.error(`  skipped ${n}: ${reason}`);
      }
      if (summary.fatal) throw new CliError(`storage failed after line ${summary.committed_line} of ${file}: ${summary.fatal}; run the same command again to resume`);
      if (summary.interrupted) {
        if (!values.json) console.error(`Interrupted after line ${summary.committed_line.toLocaleString('en-US')} of ${file}; run the same command again to resume.`);
        break;
      }
    }
  } finally {
    await stack.close();
    await storage.close();
  }
  if (values.json) console.log(JSON.stringify({ files: summaries, interrupted }));
  if (interrupted) return 130;
  return summaries.some((s) => s.failed > 0) ? 1 : 0;
}
