/** Training checkpoints: weights, optimizer state, loop position, RNG and schedule state in one file, written atomically. */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlUserError } from './errors.ts';

const MAGIC = 0x4b434c46; // 'FLCK' little-endian
const VERSION = 1;

/** Everything needed to continue training exactly where a run stopped. */
export interface CheckpointState {
  /** Iterations and epochs finished. */
  iteration: number;
  epoch: number;
  /** Samples of the current epoch already trained on (0 at an epoch boundary). */
  position: number;
  /** RNG state that produces the current epoch's permutation (at a boundary: the next epoch's). */
  rngState: number[];
  loss: number;
  score: number | undefined;
  scheduleState: Record<string, unknown> | undefined;
  /** Number of training samples and features per sample, checked on resume. */
  numSamples: number;
  featureLength: number;
  weights: Float32Array;
  optimState: Float32Array[];
  /** The model's non-trainable buffers (BatchNorm running statistics), in module order. */
  buffers: Float32Array[];
  /**
   * How `optimState` is laid out: 'parameters' (local training: each parameter's slots in turn, then
   * the step counter), 'flat' (distributed: one full-length vector per slot, then the step counter) or
   * 'replicas' (model averaging: each replica's local optimizer state in 'parameters' layout, in turn).
   */
  optimLayout?: 'parameters' | 'flat' | 'replicas';
}

/** File name of the checkpoint after `iteration`. */
export function checkpointFileName(iteration: number): string {
  return `checkpoint-${String(iteration).padStart(8, '0')}.flint`;
}

/** Writes a checkpoint into directory `dir` (write to a temp file, then rename); returns its path. */
export function saveCheckpoint(dir: string, s: CheckpointState): string {
  mkdirSync(dir, { recursive: true });
  const header = JSON.stringify({
    version: VERSION, iteration: s.iteration, epoch: s.epoch, position: s.position, rngState: s.rngState,
    loss: Number.isFinite(s.loss) ? s.loss : null, score: s.score ?? null, scheduleState: s.scheduleState ?? null,
    numSamples: s.numSamples, featureLength: s.featureLength, optimLayout: s.optimLayout ?? 'parameters',
    weights: s.weights.length, optimState: s.optimState.map((a) => a.length), buffers: s.buffers.map((a) => a.length),
  });
  const headerBytes = Buffer.from(header, 'utf8');
  const headerPadded = (headerBytes.length + 3) & ~3;
  const arrays = [s.weights, ...s.optimState, ...s.buffers];
  const floats = arrays.reduce((a, b) => a + b.length, 0);
  const buf = Buffer.alloc(12 + headerPadded + floats * 4);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(VERSION, 4);
  buf.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(buf, 12);
  const body = new Float32Array(buf.buffer, buf.byteOffset + 12 + headerPadded, floats);
  let off = 0;
  for (const a of arrays) {
    body.set(a, off);
    off += a.length;
  }
  const path = join(dir, checkpointFileName(s.iteration));
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, buf);
  renameSync(tmp, path);
  return path;
}

/** Deletes the checkpoints in `dir` other than `keep` (for `overwrite: true`). */
export function removeOtherCheckpoints(dir: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    if (/^checkpoint-\d+\.flint$/.test(name) && join(dir, name) !== keep) rmSync(join(dir, name), { force: true });
  }
}

/** The newest checkpoint file in a directory, or `path` itself when it is a file. */
export function resolveCheckpoint(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DlUserError('DL_BAD_CHECKPOINT', `checkpoint ${path} does not exist; give a checkpoint file or the directory the Optimizer wrote them to`);
  }
  if (!st.isDirectory()) return path;
  const names = readdirSync(path).filter((n) => /^checkpoint-\d+\.flint$/.test(n)).sort();
  if (names.length === 0) throw new DlUserError('DL_BAD_CHECKPOINT', `no checkpoint-*.flint file in ${path}`);
  return join(path, names[names.length - 1]);
}

/** Reads a checkpoint file written by saveCheckpoint; fails naming the file when it is not one or is truncated. */
export function loadCheckpoint(path: string): CheckpointState {
  const file = resolveCheckpoint(path);
  const buf = readFileSync(file);
  if (buf.length < 12 || buf.readUInt32LE(0) !== MAGIC) {
    throw new DlUserError('DL_BAD_CHECKPOINT', `${file} is not a Flint checkpoint (bad magic); give a file the Optimizer wrote`);
  }
  const version = buf.readUInt32LE(4);
  if (version !== VERSION) throw new DlUserError('DL_BAD_CHECKPOINT', `${file} has checkpoint version ${version}; this Flint reads version ${VERSION}`);
  const hlen = buf.readUInt32LE(8);
  const padded = (hlen + 3) & ~3;
  let h;
  try {
    h = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8'));
  } catch (e) {
    throw new DlUserError('DL_BAD_CHECKPOINT', `${file} is truncated or corrupt (header unreadable)`, { cause: e });
  }
  const lens: number[] = [h.weights, ...h.optimState, ...h.buffers];
  const floats = lens.reduce((a, b) => a + b, 0);
  if (buf.length < 12 + padded + floats * 4) {
    throw new DlUserError('DL_BAD_CHECKPOINT', `${file} is truncated: ${buf.length} bytes, expected ${12 + padded + floats * 4}`);
  }
  // copy out so the arrays are aligned and independent of the file buffer
  const body = new Float32Array(floats);
  new Uint8Array(body.buffer).set(buf.subarray(12 + padded, 12 + padded + floats * 4));
  const arrays: Float32Array[] = [];
  let off = 0;
  for (const n of lens) {
    arrays.push(body.slice(off, off + n));
    off += n;
  }
  return {
    iteration: h.iteration, epoch: h.epoch, position: h.position, rngState: h.rngState,
    loss: h.loss ?? NaN, score: h.score ?? undefined, scheduleState: h.scheduleState ?? undefined,
    numSamples: h.numSamples, featureLength: h.featureLength, ...(h.optimLayout === 'flat' || h.optimLayout === 'replicas' ? { optimLayout: h.optimLayout as 'flat' | 'replicas' } : {}),
    weights: arrays[0], optimState: arrays.slice(1, 1 + h.optimState.length), buffers: arrays.slice(1 + h.optimState.length),
  };
}
