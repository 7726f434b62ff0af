// Lines of a JSONL stream with their byte offsets (so that an interrupted import can resume at the
// byte where its committed lines end). Splits on LF and drops a CR before it; a line longer than
// `maxBytes` is reported as too long instead of being held in memory.
export interface Line {
  text: string;
  /** Byte offsets of the line in the stream: [start, end), end including its line break. */
  start: number;
  end: number;
  /** Set instead of `text` when the line is longer than allowed. */
  tooLong?: boolean;
}

export async function* readLines(chunks: AsyncIterable<Buffer | string>, startOffset = 0, maxBytes = 64 * 1024 * 1024): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let start = startOffset;
  let skipping = false;
  const finish = (tail: Buffer, end: number): Line => {
    const bytes = partBytes === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    partBytes = 0;
    const text = bytes.toString('utf8');
    const line: Line = { text: text.endsWith('\r') ? text.slice(0, -1) : text, start, end };
    start = end;
    return line;
  };
  let offset = startOffset;
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      const end = offset + nl + 1;
      if (skipping) {
        yield { text: '', start, end, tooLong: true };
        start = end;
        skipping = false;
        parts = [];
        partBytes = 0;
      } else {
        yield finish(chunk.subarray(from, nl), end);
      }
      from = nl + 1;
    }
    if (from < chunk.length && !skipping) {
      parts.push(chunk.subarray(from));
      partBytes += chunk.length - from;
      if (partBytes > maxBytes) {
        skipping = true;
        parts = [];
        partBytes = 0;
      }
    }
    offset += chunk.length;
  }
  if (skipping) yield { text: '', start, end: offset, tooLong: true };
  else if (partBytes > 0) yield finish(Buffer.alloc(0), offset);
}
