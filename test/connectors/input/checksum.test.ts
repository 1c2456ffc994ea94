/** Checksum sidecars (Hadoop's .crc format) of written part files, verified on read; files changed between planning and reading; CSV inference that never returns an empty schema. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext } from '../../../engine/index.ts';
import '../../../engine/sql/index.ts';
import '../../../connectors/index.ts';
import { checksumPath, ChecksumBuilder, lineChunks, planFileSplits, readLines } from '../../../connectors/input/index.ts';

let ctx: FlintContext;
const dir = mkdtempSync(join(tmpdir(), 'flint-checksum-'));

before(async () => {
  ctx = await FlintContext.create({ master: 'local[2]', conf: { 'flint.ui.showProgress': false } });
});
after(async () => {
  await ctx.stop();
  rmSync(dir, { recursive: true, force: true });
});

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, x: i * 0.5, s: `row-${i}` }));
const parts = (out: string) => readdirSync(out).filter((n) => n.startsWith('part-')).sort();

/** Flips 16 bytes of `file` at `at` (a fraction of its length). */
function flip16(file: string, at = 0.5): void {
  const b = readFileSync(file);
  const from = Math.floor(b.length * at);
  for (let i = from; i < Math.min(b.length, from + 16); i++) b[i] ^= 0x5a;
  writeFileSync(file, b);
}

/** The error a failed read surfaces (a job failure carries the executor's message, and its code in `cause`). */
const mentions = (...texts: (string | RegExp)[]) => (e: unknown) => {
  assert.ok(e instanceof Error, String(e));
  const codes = [(e as { code?: string }).code, ((e as { cause?: { code?: string } }).cause)?.code];
  for (const t of texts) {
    if (typeof t === 'string' && /^[A-Z_]+$/.test(t)) assert.ok(codes.includes(t), `${e.message}\n  should have code ${t} (has ${codes.join(', ')})`);
    else if (typeof t === 'string') assert.ok(e.message.includes(t), `${e.message}\n  should mention ${t}`);
    else assert.match(e.message, t);
  }
  return true;
};

describe('the sidecar format', () => {
  test('is Hadoop\'s: "crc\\0", 512 as a big-endian int, one big-endian CRC32 per 512-byte chunk (checked against Python\'s zlib)', () => {
    const data = Buffer.from(Array.from({ length: 1300 }, (_, i) => (i * 31 + 7) & 0xff));
    const b = new ChecksumBuilder();
    b.update(data.subarray(0, 100));
    b.update(data.subarray(100, 1000));
    b.update(data.subarray(1000));
    const file = join(dir, 'data.bin');
    writeFileSync(file, data);
    const py = execFileSync('python3', ['-c', `
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
out = b'crc\\x00' + struct.pack('>i', 512) + b''.join(struct.pack('>I', zlib.crc32(d[i:i+512]) & 0xffffffff) for i in range(0, len(d), 512))
sys.stdout.write(out.hex())`, file]).toString();
    assert.equal(b.bytes().toString('hex'), py);
    assert.equal(new ChecksumBuilder().bytes().toString('hex'), '6372630000000200', 'an empty file: the header alone');
    assert.equal(checksumPath('/a/b/part-00000.parquet'), '/a/b/.part-00000.parquet.crc');
  });
});

describe('writers add a sidecar per part file and readers verify it', () => {
  test('Parquet: 16 flipped bytes fail the read naming the file and row group, not 5 wrong rows', async () => {
    const out = join(dir, 'pq');
    await ctx.createDataFrame(rows(20000), 'id int, x double, s string', 2).write.parquet(out);
    const files = parts(out);
    assert.deepEqual(files, ['part-00000.parquet', 'part-00001.parquet']);
    for (const f of files) assert.ok(existsSync(join(out, `.${f}.crc`)), `sidecar of ${f}`);
    assert.equal((await (await ctx.read.parquet(out)).collect()).length, 20000, 'an intact file reads');
    const victim = join(out, files[1]);
    flip16(victim, 0.3);
    await assert.rejects(async () => (await ctx.read.parquet(out)).collect(), mentions('INPUT_CHECKSUM_MISMATCH', victim, 'row group 0'));
  });

  test('Parquet without a sidecar: a read error names the file', async () => {
    const out = join(dir, 'pq-nocrc');
    await ctx.createDataFrame(rows(2000), 'id int, x double, s string', 1).write.parquet(out);
    const file = join(out, 'part-00000.parquet');
    unlinkSync(checksumPath(file));
    const b = readFileSync(file);
    // Garbage over the column chunks, footer intact: parquet-wasm fails deep inside (or traps), and the message must say where.
    for (let i = 8; i < b.length - 200; i++) b[i] = (i * 7919) & 0xff;
    writeFileSync(file, b);
    await assert.rejects(async () => (await ctx.read.parquet(out)).collect(), mentions(file, /parquet: cannot read (row group 0 )?of/));
  });

  test('CSV, JSON lines and Arrow: a flipped byte range fails naming the file; byte-range splits verify the chunks they read', async () => {
    for (const format of ['csv', 'json', 'arrow'] as const) {
      const out = join(dir, `f-${format}`);
      const df = ctx.createDataFrame(rows(5000), 'id int, x double, s string', 2);
      await df.write[format](out);
      const files = parts(out);
      assert.equal(files.length, 2, format);
      for (const f of files) assert.ok(existsSync(join(out, `.${f}.crc`)), `${format} sidecar of ${f}`);
      const read = () => (format === 'arrow' ? ctx.read.arrow(out) : ctx.read[format](out, { schema: 'id int, x double, s string', minPartitions: 7, maxSplitBytes: 10_000 }));
      assert.equal((await (await read()).collect()).length, 5000, `${format}: intact files read through many splits`);
      const victim = join(out, files[0]);
      flip16(victim, 0.61);
      await assert.rejects(async () => (await read()).collect(), mentions('INPUT_CHECKSUM_MISMATCH', victim, /bytes \d+-\d+ do not match/));
    }
  });

  test('every split of a file checks exactly its own chunks (split and chunk boundaries anywhere)', () => {
    const file = join(dir, 'lines.txt');
    const text = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`).join('\n') + '\n';
    writeFileSync(file, text);
    const b = new ChecksumBuilder();
    b.update(Buffer.from(text));
    writeFileSync(checksumPath(file), b.bytes());
    for (const minPartitions of [1, 3, 17]) {
      for (const chunkBytes of [64, 700, 1 << 20]) {
        const splits = planFileSplits(file, minPartitions, { maxSplitBytes: 9_999 }, { format: 'text' });
        const lines = splits.flatMap((s) => [...readLines(s, chunkBytes)]);
        assert.equal(lines.length, 3000, `minPartitions ${minPartitions}, chunkBytes ${chunkBytes}`);
      }
    }
    const bad = Buffer.from(text);
    bad[20_000] ^= 1;
    writeFileSync(file, bad);
    const splits = planFileSplits(file, 1, { maxSplitBytes: 9_999 }, { format: 'text' });
    const failing = splits.filter((s) => { try { [...readLines(s, 700)]; return false; } catch (e) { return /bytes 19968-20479 do not match/.test((e as Error).message); } });
    assert.ok(failing.length >= 1 && failing.length <= 2, 'only the split(s) reading that chunk fail');
  });
});

describe('plan-time sizes are checked at read time', () => {
  for (const mode of ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST']) {
    test(`a CSV file truncated between planning and reading fails naming it (${mode})`, async () => {
      const file = join(dir, `trunc-${mode}.csv`);
      writeFileSync(file, Array.from({ length: 400 }, (_, i) => `${i},${'v'.repeat(50)}`).join('\n') + '\n');
      const df = await ctx.read.csv(file, { schema: 'n int, s string', mode, minPartitions: 4 });
      truncateSync(file, 18_000);
      await assert.rejects(df.collect(), mentions('INPUT_CHANGED', file, '21890 bytes when its splits were planned and has 18000 now'));
    });
  }

  test('JSON, text and Parquet check the size too', async () => {
    const json = join(dir, 'grow.json');
    writeFileSync(json, '{"a":1}\n{"a":2}\n');
    const jdf = await ctx.read.json(json, { schema: 'a int' });
    writeFileSync(json, '{"a":1}\n{"a":2}\n{"a":3}\n');
    await assert.rejects(jdf.collect(), mentions('INPUT_CHANGED', json));
    const txt = join(dir, 'grow.txt');
    writeFileSync(txt, 'a\nb\n');
    const [split] = planFileSplits(txt, 1, {}, { format: 'text' });
    writeFileSync(txt, 'a\n');
    assert.throws(() => [...lineChunks(split)], mentions('INPUT_CHANGED', txt));
    const out = join(dir, 'pq-change');
    await ctx.createDataFrame(rows(100), 'id int, x double, s string', 1).write.parquet(out);
    const pdf = await ctx.read.parquet(out);
    await ctx.createDataFrame(rows(300), 'id int, x double, s string', 1).write.mode('overwrite').parquet(out);
    await assert.rejects(pdf.collect(), mentions('INPUT_CHANGED', 'part-00000.parquet'));
  });
});

describe('CSV schema inference never returns an empty schema silently', () => {
  test('a headerless file whose first line is 10 MB gives its columns', async () => {
    const file = join(dir, 'wide.csv');
    const cells = Array.from({ length: 10 }, (_, i) => String(i).repeat(1_000_000));
    writeFileSync(file, `${cells.join(',')}\n1,2,3,4,5,6,7,8,9,10\n`);
    const df = await ctx.read.csv(file);
    assert.deepEqual(df.schema.map((f) => f.name), Array.from({ length: 10 }, (_, i) => `_c${i}`));
    const got = await df.collect();
    assert.equal(got.length, 2);
    assert.equal(got[1]._c9, '10');
    assert.equal((got[0]._c3 as string).length, 1_000_000);
  });

  test('a file with no record fails naming it and the fix', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    await assert.rejects(ctx.read.csv(empty), mentions('INVALID_SCHEMA', empty, 'the file is empty', 'give the schema'));
    const blank = join(dir, 'blank.csv');
    writeFileSync(blank, '\n\n\r\n');
    await assert.rejects(ctx.read.csv(blank), mentions(blank, 'no record'));
    assert.equal((await ctx.read.csv(empty, { schema: 'a int' })).schema.length, 1, 'with a schema an empty file reads');
  });
});
