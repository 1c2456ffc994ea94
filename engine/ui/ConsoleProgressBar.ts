/** The console progress bar: one line on stderr while stages run (`[Stage 3:====>   (12 + 2) / 40]`), only on a TTY. */
import type { StageProgress } from '../scheduler/DAGScheduler.ts';

const WIDTH = 80;
const UPDATE_MS = 200;
/** A stage must run this long before it is shown (short jobs print nothing). */
const FIRST_DELAY_MS = 500;

/** Formats the bar for the given stages (at most 3 shown side by side). */
export function renderProgress(stages: StageProgress[], width = WIDTH): string {
  const shown = stages.slice(0, 3);
  if (shown.length === 0) return '';
  const each = Math.floor(width / shown.length);
  return shown.map((s) => {
    const header = `[Stage ${s.stageId}:`;
    const tail = ` (${s.completed} + ${s.running}) / ${s.numTasks}]`;
    const w = Math.max(each - header.length - tail.length, 0);
    const done = s.numTasks === 0 ? 0 : Math.floor((w * s.completed) / s.numTasks);
    const bar = w === 0 ? '' : ('='.repeat(done) + (done < w ? '>' : '') + ' '.repeat(Math.max(w - done - 1, 0))).slice(0, w);
    return header + bar + tail;
  }).join('');
}

/** Polls stage progress and redraws one stderr line; clears it when nothing runs. */
export class ConsoleProgressBar {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastLine = '';
  private readonly firstSeen = new Map<number, number>();

  constructor(private readonly source: () => StageProgress[], private readonly out: NodeJS.WriteStream = process.stderr) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.refresh(), UPDATE_MS);
    this.timer.unref();
  }

  private refresh(): void {
    const now = performance.now();
    const stages = this.source().filter((s) => {
      if (!this.firstSeen.has(s.stageId)) this.firstSeen.set(s.stageId, now);
      return now - this.firstSeen.get(s.stageId)! >= FIRST_DELAY_MS;
    });
    const line = renderProgress(stages, Math.min(this.out.columns || WIDTH, WIDTH));
    if (line === this.lastLine) return;
    this.out.write(`\r${line.padEnd(this.lastLine.length)}${line === '' ? '\r' : ''}`);
    this.lastLine = line;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lastLine !== '') this.out.write(`\r${' '.repeat(this.lastLine.length)}\r`);
    this.lastLine = '';
  }
}
