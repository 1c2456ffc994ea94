/** The file input layer: one path/glob/split/compression behaviour for textFile, read.csv and read.json. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { FlintContext, FlintError } from '../../../engine/index.ts';
import '../../../engine/sql/index.ts';
import '../../../connectors/index.ts';
import { planFileSplits, readLines, lineChunks, lineNumberAt, type FileSplit } from '../../../connectors/input/index.ts';

let ctx: FlintContext;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-input-'));

/** Writes file `name` under dir; a .gz name is written gzipped. */
function write(name: string, text: string): void {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, name.endsWith('.gz') ? zlib.gzipSync(text) : text);
}

/** The same records, as a line of text, a CSV record (no header) and a JSON object, in each of the three trees. */
const files: Record<string, number[]> = {
  'a.x': [1, 2], 'b.x': [3], 'sub/c.x': [4, 5], 'sub/deep/d.x': [6], 'sub/deep/e.y': [7], '_SUCCESS': [], '.hidden.x': [8], 'z.x.gz': [9, 10],
};
for (const [name, vals] of Object.entries(files)) {
  write(path.join('text', name), vals.map((v) => `${v}\n`).join(''));
  write(path.join('csv', name), vals.map((v) => `${v}\n`).join(''));
  write(path.join('json', name), vals.map((v) => `{"_c0":${v}}\n`).join(''));
}

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', appName: 'input', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What textFile, read.csv and read.json read from `rel` under each format's tree, as sorted numbers. */
async function readAllThree(rel: (root: string) => string | string[]): Promise<{ text: number[]; csv: number[]; json: number[] }> {
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const text = sorted((await ctx.textFile(rel(path.join(dir, 'text'))).collect()).map(Number));
  const csv = sorted((await (await ctx.read.csv(rel(path.join(dir, 'csv')), { schema: '_c0 int' })).collect()).map((r) => Number(r._c0)));
  const json = sorted((await (await ctx.read.json(rel(path.join(dir, 'json')), { schema: '_c0 int' })).collect()).map((r) => Number(r._c0)));
  return { text, csv, json };
}

const patterns: [string, (root: string) => string | string[], number[]][] = [
  ['a file', (r) => path.join(r, 'a.x'), [1, 2]],
  ['a directory (visible files, not recursive)', (r) => r, [1, 2, 3, 9, 10]],
  ['a glob in the last component', (r) => path.join(r, '*.x'), [1, 2, 3]],
  ['a ** glob', (r) => path.join(r, '**', '*.x'), [1, 2, 3, 4, 5, 6]],
  ['a {a,b} glob', (r) => path.join(r, '{a,b}.x'), [1, 2, 3]],
  ['a glob in a directory component', (r) => path.join(r, 's*', 'deep', '*'), [6, 7]],
  ['a comma-separated list', (r) => `${path.join(r, 'b.x')},${path.join(r, 'sub')}`, [3, 4, 5]],
  ['an array of paths', (r) => [path.join(r, 'a.x'), path.join(r, 'sub', 'deep')], [1, 2, 6, 7]],
  ['a file: URL', (r) => `file://${path.join(r, 'b.x')}`, [3]],
  ['a gzip file', (r) => path.join(r, 'z.x.gz'), [9, 10]],
];

for (const [what, rel, want] of patterns) {
  test(`textFile, read.csv and read.json read the same files for ${what}`, async () => {
    const got = await readAllThree(rel);
    assert.deepEqual(got, { text: want, csv: want, json: want });
  });
}

test('a missing path or an empty match fails with INPUT_NOT_FOUND naming it, for textFile, read.csv and read.json', async () => {
  for (const missing of [path.join(dir, 'nope.x'), path.join(dir, '**', '*.none'), path.join(dir, 'nodir', '*.x')]) {
    const attempts: [string, () => Promise<unknown>][] = [
      ['textFile', () => ctx.textFile(missing).count()],
      ['read.csv', () => ctx.read.csv(missing)],
      ['read.csv with a schema', () => ctx.read.csv(missing, { schema: 'a int' })],
      ['read.json', () => ctx.read.json(missing)],
      ['read.parquet', () => ctx.read.parquet(missing)],
    ];
    for (const [name, f] of attempts) {
      await assert.rejects(f(), (e: unknown) => e instanceof FlintError && e.code === 'INPUT_NOT_FOUND' && e.message.includes(missing),
        `${name} on ${missing}`);
    }
  }
});

test('textFile, read.csv and read.json plan the same splits of the same file', async () => {
  const big = path.join(dir, 'big.txt');
  fs.writeFileSync(big, Array.from({ length: 5000 }, (_, i) => `${i}\n`).join(''));
  assert.equal(await ctx.textFile(big, 3).getNumPartitionsAsync(), planFileSplits(big, 3, {}, { format: 'text' }).length);
  for (const df of [await ctx.read.csv(big, { schema: 'n int', minPartitions: 3 }), await ctx.read.json(big, { schema: 'n int', minPartitions: 3 })]) {
    assert.equal(df.numPartitions, 3);
  }
  const capped = planFileSplits(big, 3, { maxSplitBytes: 4000 }, { format: 'text' }).length;
  assert.equal(capped, 6, 'the count is rounded up to a multiple of minPartitions');
  for (const df of [await ctx.read.csv(big, { schema: 'n int', minPartitions: 3, maxSplitBytes: 4000 }),
    await ctx.read.json(big, { schema: 'n int', minPartitions: 3, maxSplitBytes: '4000' })]) {
    assert.equal(df.numPartitions, capped);
  }
  const text = (await ctx.textFile(big, 3).collect()).map(Number);
  assert.deepEqual(text, Array.from({ length: 5000 }, (_, i) => i));
});

test('line chunks and string lines of a split agree, and offsets give line numbers', () => {
  const f = path.join(dir, 'lines.txt');
  const content = 'alpha\r\nbé\n\n日本語\nlast';
  fs.writeFileSync(f, `\ufeff${content}`);
  const size = fs.statSync(f).size;
  for (const maxSplitBytes of [1, 2, 5, 1000]) {
    const splits = planFileSplits(f, 1, { maxSplitBytes }, { format: 'text' });
    const lines = splits.flatMap((s) => [...readLines(s, 3)]);
    assert.deepEqual(lines, ['alpha', 'bé', '', '日本語', 'last'], `split ${maxSplitBytes}`);
    // A chunk is a view of the reader's buffer, valid until the iterator advances: decode it at once.
    let fromChunks = '';
    for (const s of splits) for (const c of lineChunks(s, 3)) fromChunks += c.bytes.toString('utf8');
    assert.equal(fromChunks, content);
  }
  const whole: FileSplit = { index: 0, path: f, start: 0, length: size, compression: null };
  const [first] = lineChunks(whole);
  assert.equal(first.offset, 3, 'the byte order mark is skipped');
  const lastOffset = Buffer.byteLength(`\ufeffalpha\r\nbé\n\n日本語\n`);
  assert.equal(lineNumberAt(whole, lastOffset), 5);
});

test('a bad input option fails with BAD_INPUT_OPTION naming the option, for every format', async () => {
  const f = path.join(dir, 'csv', 'a.x');
  await assert.rejects(ctx.read.csv(f, { schema: 'a int', maxSplitBytes: 0 }), (e: unknown) => e instanceof FlintError && e.code === 'BAD_INPUT_OPTION' && /maxSplitBytes/.test(e.message));
  await assert.rejects(ctx.read.json(f, { schema: 'a int', minPartitions: 0 }), (e: unknown) => e instanceof FlintError && e.code === 'BAD_INPUT_OPTION' && /minPartitions/.test(e.message));
  await assert.rejects(ctx.textFile(f, 0).count(), (e: unknown) => e instanceof FlintError && e.code === 'BAD_INPUT_OPTION');
});
