/** Tests of the text format: Hadoop's split rule, line alignment across splits and chunks, gzip, globs, directories, whole files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import v8 from 'node:v8';
import vm from 'node:vm';
import { planSplits, readSplit, type TextSplit, type WholeFilesSplit } from '../../../connectors/text/text.ts';
import { expandInputPaths } from '../../../connectors/text/index.ts';
import { loadFormat } from '../../../engine/sources.ts';
import { FlintUserError } from '../../../engine/errors.ts';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'flint-text-test-'));
}

function write(dir: string, name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** The lines a text has, by the same rule as Hadoop (\n ends a line, a \r before it is dropped, a final newline starts no line). */
function expectedLines(text: string): string[] {
  if (text.startsWith('\ufeff')) text = text.slice(1);
  if (text === '') return [];
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

function readAll(splits: unknown[], options: Record<string, unknown> = {}): string[] {
  const out: string[] = [];
  for (const s of splits) {
    const it = readSplit(s as TextSplit, options) as Iterator<string>;
    for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
  }
  return out;
}

const texts: Record<string, string> = {
  plain: 'alpha beta\ngamma\ndelta epsilon zeta\n',
  noTrailingNewline: 'one\ntwo\nthree',
  crlf: 'a\r\nbb\r\n\r\nccc\r\nlast',
  emptyLines: '\n\n\nx\n\n\ny\n\n',
  onlyNewlines: '\n\n\n\n',
  single: 'just one line without newline',
  unicode: 'héllo wörld\n日本語のテキスト\n🙂 emoji 🚀 line\n\nΑλφα βήτα\nend',
  bom: '\ufefffirst\nsecond\n',
  long: `${'x'.repeat(700)}\nshort\n${'y'.repeat(300)}é\n`,
  empty: '',
};

test('every line is read exactly once across splits, for every split size and chunk size', async () => {
  const dir = tmpDir();
  for (const [name, text] of Object.entries(texts)) {
    const file = write(dir, `${name}.txt`, text);
    const size = Buffer.byteLength(text);
    const want = expectedLines(text);
    for (const maxSplitBytes of [1, 2, 3, 5, 7, 13, 64, 1000, 1 << 20]) {
      const splits = await planSplits(file, 1, { maxSplitBytes });
      assert.equal(splits.reduce((s, x) => s + (x as TextSplit).length, 0), size);
      for (const chunkBytes of [1, 3, 16, 1 << 20]) {
        assert.deepEqual(readAll(splits, { chunkBytes }), want, `${name} split ${maxSplitBytes} chunk ${chunkBytes}`);
      }
    }
  }
});

test('random texts with unicode, \\r\\n and empty lines split anywhere still give each line once', async () => {
  const dir = tmpDir();
  let seed = 7;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  const pieces = ['a', 'bc', 'é', '日本', '🙂', ' ', '\n', '\r\n', '\n\n', 'word'];
  for (let t = 0; t < 20; t++) {
    let text = '';
    for (let i = 0; i < 300; i++) text += pieces[rnd(pieces.length)];
    const file = write(dir, `r${t}.txt`, text);
    const want = expectedLines(text);
    for (const minPartitions of [1, 2, 3, 7, 50]) {
      const splits = await planSplits(file, minPartitions);
      assert.deepEqual(readAll(splits, { chunkBytes: 1 + rnd(40) }), want, `text ${t} into ${minPartitions}`);
    }
  }
});

test('a file is split into byte ranges of about totalSize / minPartitions, bounded by maxSplitBytes (Hadoop rule)', async () => {
  const dir = tmpDir();
  const file = write(dir, 'f.txt', 'x'.repeat(999) + '\n');
  const four = (await planSplits(file, 4)) as TextSplit[];
  assert.deepEqual(four.map((s) => [s.index, s.start, s.length]), [[0, 0, 250], [1, 250, 250], [2, 500, 250], [3, 750, 250]]);
  // When maxSplitBytes binds, the count is rounded up to a multiple of minPartitions and sizes are
  // evened out, so slots finish together: not [300, 300, 300, 100].
  const capped = (await planSplits(file, 1, { maxSplitBytes: 300 })) as TextSplit[];
  assert.deepEqual(capped.map((s) => s.length), [250, 250, 250, 250]);
  const balanced = (await planSplits(file, 2, { maxSplitBytes: 160 })) as TextSplit[];
  assert.deepEqual(balanced.map((s) => s.length), [125, 125, 125, 125, 125, 125, 125, 125]);
  assert.deepEqual(balanced.map((s) => s.start), [0, 125, 250, 375, 500, 625, 750, 875]);
  // The last piece may be up to 10% larger than the split size instead of leaving a sliver.
  const slop = (await planSplits(file, 1, { maxSplitBytes: 950 })) as TextSplit[];
  assert.deepEqual(slop.map((s) => s.length), [1000]);
  const floor = (await planSplits(file, 100, { minSplitBytes: 400 })) as TextSplit[];
  assert.deepEqual(floor.map((s) => s.length), [400, 400, 200]);
  assert.rejects(planSplits(file, 0), (e: unknown) => e instanceof FlintUserError && e.code === 'BAD_INPUT_OPTION');
  await assert.rejects(planSplits(file, 1, { maxSplitBytes: -1 }), /maxSplitBytes/);
});

test('.gz files are one split each and are read whole', async () => {
  const dir = tmpDir();
  const text = texts.unicode + '\r\nmore\n' + 'z'.repeat(10000) + '\n';
  const file = write(dir, 'data.txt.gz', zlib.gzipSync(Buffer.from(text)));
  write(dir, 'plain.txt', 'p1\np2\n'.repeat(1000));
  const splits = (await planSplits(path.join(dir, '*'), 8)) as TextSplit[];
  const gz = splits.filter((s) => s.path === file);
  assert.equal(gz.length, 1);
  assert.equal(gz[0].compression, 'gzip');
  assert.deepEqual(readAll(gz), expectedLines(text));
  assert.ok(splits.length > 2, 'the plain file is still split');
  const broken = write(dir, 'broken.gz', 'not gzip at all');
  const [b] = await planSplits(broken, 1);
  assert.throws(() => readAll([b]), (e: unknown) => e instanceof FlintUserError && e.code === 'INPUT_NOT_READABLE' && e.message.includes(broken));
});

test('globs, directories, lists and comma-separated paths expand to sorted visible files', async () => {
  const dir = tmpDir();
  for (const n of ['a.txt', 'b.txt', 'c.log', '_SUCCESS', '.hidden.txt', 'sub/d.txt', 'sub/deep/e.txt', 'x1.txt', 'x2.txt']) write(dir, n, `${n}\n`);
  const names = (input: string | string[]) => expandInputPaths(input).map((f) => path.relative(dir, f.path));
  assert.deepEqual(names(path.join(dir, '*.txt')), ['a.txt', 'b.txt', 'x1.txt', 'x2.txt']);
  assert.deepEqual(names(dir), ['a.txt', 'b.txt', 'c.log', 'x1.txt', 'x2.txt']);
  assert.deepEqual(names(path.join(dir, '{a,c}.*')), ['a.txt', 'c.log']);
  assert.deepEqual(names(path.join(dir, 'x[12].txt')), ['x1.txt', 'x2.txt']);
  assert.deepEqual(names(path.join(dir, 'x?.txt')), ['x1.txt', 'x2.txt']);
  assert.deepEqual(names(path.join(dir, '**', '*.txt')), ['a.txt', 'b.txt', 'sub/d.txt', 'sub/deep/e.txt', 'x1.txt', 'x2.txt']);
  assert.deepEqual(names(path.join(dir, 's*')), ['sub/d.txt']);
  assert.deepEqual(names([path.join(dir, 'b.txt'), path.join(dir, 'a.txt'), path.join(dir, 'b.txt')]), ['b.txt', 'a.txt']);
  assert.deepEqual(names(`${path.join(dir, 'c.log')},${path.join(dir, 'sub')}`), ['c.log', 'sub/d.txt']);
  const rel = path.relative(process.cwd(), path.join(dir, 'a.txt'));
  assert.deepEqual(names(rel), ['a.txt']);
  const lines = readAll(await planSplits(path.join(dir, '*.txt'), 2));
  assert.deepEqual(lines, ['a.txt', 'b.txt', 'x1.txt', 'x2.txt']);
});

test('a path or glob that matches nothing fails with an error naming it', async () => {
  const dir = tmpDir();
  const missing = path.join(dir, 'nope', '*.txt');
  await assert.rejects(planSplits(missing, 1), (e: unknown) => e instanceof FlintUserError && e.code === 'INPUT_NOT_FOUND' && e.message.includes(missing));
  await assert.rejects(planSplits(path.join(dir, 'gone.txt'), 1), /gone\.txt' does not exist/);
  fs.mkdirSync(path.join(dir, 'empty'));
  await assert.rejects(planSplits(path.join(dir, 'empty'), 1), /no visible files/);
});

test('whole files come back as [path, content], packed into about minPartitions splits', async () => {
  const dir = tmpDir();
  const contents = ['first file\nline 2\n', 'second', '', 'fourth 日本\r\n', 'fifth'.repeat(20)];
  contents.forEach((c, i) => write(dir, `f${i}.txt`, c));
  write(dir, 'g.txt.gz', zlib.gzipSync('zipped\ncontent\n'));
  const splits = (await planSplits(dir, 3, { wholeFiles: true })) as WholeFilesSplit[];
  assert.ok(splits.length >= 2 && splits.length <= 4, `${splits.length} splits`);
  assert.deepEqual(splits.map((s) => s.index), splits.map((_, i) => i));
  const got = new Map<string, string>();
  for (const s of splits) {
    const it = readSplit(s, {}) as Iterator<[string, string]>;
    for (let r = it.next(); !r.done; r = it.next()) got.set(path.basename(r.value[0]), r.value[1]);
  }
  assert.equal(got.size, 6);
  contents.forEach((c, i) => assert.equal(got.get(`f${i}.txt`), c));
  assert.equal(got.get('g.txt.gz'), 'zipped\ncontent\n');
});

test("the 'text' format is registered in the engine's source registry by connectors/text", async () => {
  await import('../../../connectors/text/index.ts');
  const mod = await loadFormat('text');
  assert.equal(typeof mod.planSplits, 'function');
  assert.equal(typeof mod.readSplit, 'function');
  const dir = tmpDir();
  const file = write(dir, 'r.txt', 'k\nl\n');
  const splits = await mod.planSplits(file, 2, {});
  assert.deepEqual(splits.map((s) => structuredClone(s)), splits, 'splits are structured-clonable');
});

test('file: URLs name local files, as Spark users write them', async () => {
  const dir = tmpDir();
  const file = write(dir, 'u r.txt', 'one\ntwo\n');
  for (const url of [`file://${file}`, `file:${file}`, new URL(`file://${file}`).href]) {
    assert.deepEqual(readAll(await planSplits(url, 1)), ['one', 'two'], url);
  }
  assert.deepEqual(expandInputPaths(`file://${path.join(dir, '*.txt')}`).map((f) => f.path), [file]);
});

test('a line iterator dropped mid-split releases its file once collected', { skip: !fs.existsSync('/proc/self/fd') }, async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const openFds = () => fs.readdirSync('/proc/self/fd').length;
  const dir = tmpDir();
  const file = write(dir, 'big.txt', 'some words on a line\n'.repeat(2000));
  const splits = await planSplits(file, 1, { maxSplitBytes: 1000 });
  const before = openFds();
  (() => { for (const s of splits.slice(0, 30)) (readSplit(s, {}) as Iterator<string>).next(); })();
  assert.ok(openFds() >= before + 30, 'the dropped iterators hold their files');
  for (let i = 0; i < 20 && openFds() > before; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
  assert.ok(openFds() <= before, `${openFds() - before} files still open`);
});
