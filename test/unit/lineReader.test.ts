// The streaming line reader (protocol/lineSplitter.ts, nodeio/logLines.ts): lines with byte offsets
// and numbers whatever the chunking, a too-long line skipped and counted (never held whole), only
// regular files opened, and a huge sparse log read within bounded memory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readLogLines, type LogLine } from '../../nodeio/logLines';
import { FileRefusedError } from '../../nodeio/regularFile';
import { LineSplitter, type SplitLine } from '../../protocol/lineSplitter';

const bytes = (text: string) => new TextEncoder().encode(text);
const show = (line: SplitLine) =>
  'skipped' in line
    ? [line.lineNumber, line.start, line.end, `skipped ${line.length}`]
    : [line.lineNumber, line.start, line.end, new TextDecoder().decode(line.bytes)];

function splitInChunks(data: Uint8Array, size: number, maxLineBytes?: number): unknown[] {
  const splitter = new LineSplitter(maxLineBytes);
  const out: unknown[] = [];
  for (let i = 0; i < data.length; i += size) out.push(...splitter.push(data.subarray(i, i + size)).map(show));
  return out;
}

test('lines, offsets and numbers are the same for any chunking, a UTF-8 character split across chunks stays whole', () => {
  const data = bytes('{"a":1}\r\nünï → ✓\n\nlast without newline');
  const expected = [
    [1, 0, 9, '{"a":1}'],
    [2, 9, 23, 'ünï → ✓'],
    [3, 23, 24, ''],
  ];
  for (const size of [1, 2, 3, 5, 7, 64]) assert.deepEqual(splitInChunks(data, size), expected, `chunks of ${size}`);
});

test('a line longer than the limit is skipped with its length, and the lines after it are intact', () => {
  const data = bytes(`short\n${'x'.repeat(100)}\nnext\n${'y'.repeat(10)}\n`);
  for (const size of [1, 7, 1000]) {
    assert.deepEqual(splitInChunks(data, size, 10), [
      [1, 0, 6, 'short'],
      [2, 6, 107, 'skipped 100'],
      [3, 107, 112, 'next'],
      [4, 112, 123, 'yyyyyyyyyy'],
    ]);
  }
});

test('memory: a line of 64 MiB pushed in 1 MiB chunks is counted, not held', () => {
  const splitter = new LineSplitter(1024);
  const chunk = new Uint8Array(1024 * 1024).fill(0x61);
  for (let i = 0; i < 64; i++) assert.deepEqual(splitter.push(chunk), []);
  assert.equal(splitter.unfinishedBytes, 64 * 1024 * 1024);
  const [line] = splitter.push(bytes('\n'));
  assert.deepEqual(show(line), [1, 0, 64 * 1024 * 1024 + 1, `skipped ${64 * 1024 * 1024}`]);
});

test('a tail continues from a position: offset and line number carry on', () => {
  const splitter = new LineSplitter(undefined, { offset: 100, lineNumber: 7 });
  assert.deepEqual(splitter.push(bytes('a\nb')).map(show), [[7, 100, 102, 'a']]);
  assert.deepEqual(splitter.position, { offset: 102, lineNumber: 8 });
  assert.equal(splitter.bytesRead, 103);
});

async function collect(file: string, options = {}): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of readLogLines(file, options)) lines.push(line);
  return lines;
}

test('readLogLines: a file read in small chunks, from a position, without its unfinished last line', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'moe-lens-lines-')), 'events.jsonl');
  writeFileSync(file, 'one\ntwo\nthree\npartial');
  const all = await collect(file, { chunkBytes: 3 });
  assert.deepEqual(
    all.map((l) => ('text' in l ? [l.lineNumber, l.text, l.end] : l)),
    [
      [1, 'one', 4],
      [2, 'two', 8],
      [3, 'three', 14],
    ],
  );
  const rest = await collect(file, { from: { offset: 8, lineNumber: 3 } });
  assert.deepEqual(
    rest.map((l) => ('text' in l ? l.text : '')),
    ['three'],
  );
});

test(
  'readLogLines refuses a FIFO, a folder and a device at once (no hang)',
  { skip: process.platform === 'win32' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-lens-fifo-'));
    const fifo = join(dir, 'events.jsonl');
    spawnSync('mkfifo', [fifo]);
    await assert.rejects(
      collect(fifo),
      (error) =>
        error instanceof FileRefusedError &&
        /events\.jsonl: the event log is a FIFO \(named pipe\), expected a regular file/.test(error.message),
    );
    await assert.rejects(collect(dir), FileRefusedError);
    if (process.platform === 'linux') await assert.rejects(collect('/dev/zero'), /character device/);
  },
);

test('a 2 GiB sparse log (one 2 GiB line between events) is read with bounded memory', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'moe-lens-big-')), 'events.jsonl');
  writeFileSync(file, '{"first":true}\n');
  const hole = 2 * 1024 ** 3;
  truncateSync(file, 15 + hole); // zeros, no newline: one enormous line, no disk used
  appendFileSync(file, '\n{"last":true}\n');
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const seen: string[] = [];
  try {
    for await (const line of readLogLines(file, { chunkBytes: 4 * 1024 * 1024 }))
      seen.push('text' in line ? line.text : `skipped ${line.length}`);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  assert.deepEqual(seen, ['{"first":true}', `skipped ${hole}`, '{"last":true}']);
  assert.ok(peak - rssBefore < 200 * 1024 * 1024, `rss grew by ${Math.round((peak - rssBefore) / 1024 ** 2)} MiB`);
});
