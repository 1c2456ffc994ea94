/** Word count, Flint's first example: makes a text corpus, counts its words with textFile/flatMap/reduceByKey on local[2], and prints the top words. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlintContext } from 'flint';

// A corpus made here so the example needs nothing downloaded: sentences drawn with a fixed seed
// from a small vocabulary whose word frequencies fall off like natural text (Zipf's law).
const VOCABULARY = ('the of and to a in is it that was he for on are as with his they at be this from have or by one had not ' +
  'but what all were when we there can an your which their said if do will each about how up out them then she many some so these ' +
  'would other into has more her two like him see time could no make than first been its who now people my made over did down only ' +
  'way find use may water long little very after words called just where most know river mountain ocean forest engine spark flint').split(' ');

function makeCorpus(dir: string, files: number, linesPerFile: number): void {
  let seed = 20261123;
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const zipf = () => Math.min(VOCABULARY.length - 1, Math.floor(Math.exp(rand() * Math.log(VOCABULARY.length + 1))) - 1);
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let l = 0; l < linesPerFile; l++) {
      const n = 4 + Math.floor(rand() * 12);
      const words: string[] = [];
      for (let w = 0; w < n; w++) words.push(VOCABULARY[zipf()]);
      lines.push(words.join(' '));
    }
    writeFileSync(join(dir, `part-${f}.txt`), lines.join('\n') + '\n');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flint-wordcount-'));
makeCorpus(dir, 4, 5000);

const ctx = await FlintContext.create({ master: 'local[2]', appName: 'wordcount' });
try {
  const minLen = 3;
  const counts = ctx.textFile(join(dir, '*.txt'))
    .flatMap((line) => line.split(/\s+/))
    .filter((w) => w.length >= minLen, { minLen })
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b);
  const total = await counts.values().sum();
  const top = await counts.top(10, (a, b) => a[1] - b[1]);
  console.log(`${total} words of ${minLen}+ letters, ${await counts.count()} distinct, in ${dir}`);
  console.log('top 10:');
  for (const [word, n] of top) console.log(`  ${word.padEnd(10)} ${n}`);
} finally {
  await ctx.stop();
  rmSync(dir, { recursive: true, force: true });
}
