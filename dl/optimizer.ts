/**
 * The Optimizer: BigDL's training driver. Its loop (triggers, learning-rate schedule, validation,
 * checkpoints, NaN checks) drives a TrainingMode: local mode (dl/local-training.ts) trains on an array of
 * Samples or an RDD collected to the driver; the distributed mode will plug in as another TrainingMode.
 */
import { DlUserError } from './errors.ts';
import { loadCheckpoint, removeOtherCheckpoints, saveCheckpoint, type CheckpointState } from './checkpoint.ts';
import { isClassCriterion } from './backend.ts';
import { evaluateSamples } from './evaluate.ts';
import { Loss, ValidationResult, type ValidationMethod } from './metrics.ts';
import { checkSamples } from './minibatch.ts';
import { LocalTraining, type TrainingMode } from './local-training.ts';
import { Model } from './model.ts';
import type { LearningRateSchedule } from './optim/schedules.ts';
import { singleFeatures, type Sample } from './sample.ts';
import { Trigger, type TrainingState } from './trigger.ts';
import type { Criterion, DlBackend, Predictor, TrainStep } from './backend.ts';
import type { Module } from './nn/module.ts';
import type { Loss as NnLoss } from './nn/loss.ts';
import type { OptimMethod } from './optim/optim-method.ts';
import { compiledBackend, defaultBackend } from './default-backend.ts';
import { DistributedTraining, type GroupStats } from './distributed/training.ts';
import { RDD } from '../engine/rdd/RDD.ts';

/** Data the Optimizer accepts: an array of Samples or anything with `collect()` (an RDD<Sample>). */
export type SampleData = readonly Sample[] | { collect(): Promise<Sample[]> };

/** When and on what to validate. `batchSize` defaults to the training batch size. */
export interface ValidationConfig {
  trigger: Trigger;
  data: SampleData;
  metrics: ValidationMethod[];
  batchSize?: number;
}

/** Where and when to checkpoint. `overwrite: true` keeps only the newest checkpoint file. */
export interface CheckpointConfig {
  path: string;
  trigger: Trigger;
  overwrite?: boolean;
}

/**
 * The Optimizer's options (ARCHITECTURE.md's API). `M`, `C` and `O` are the backend's model, criterion
 * and optimizer-method types: nn.Module, an nn loss and an optim method for the default backend.
 */
export interface OptimizerOptions<M = Module, C extends Criterion = NnLoss, O = OptimMethod> {
  /** An nn.Module. */
  model: M;
  data: SampleData;
  /** An nn loss (CrossEntropyLoss, MSELoss, ...). */
  criterion: C;
  batchSize: number;
  /** An optim method (SGD, Adam, ...): its `lr` is the base rate that schedules scale. */
  optimMethod: O;
  /** When training ends (default Trigger.maxEpoch(10), as BigDL). */
  endWhen?: Trigger;
  validation?: ValidationConfig;
  checkpoint?: CheckpointConfig;
  learningRateSchedule?: LearningRateSchedule;
  /** Seed of the per-epoch shuffles (default 0). Same seed, same data, same initial weights: same run. */
  seed?: number;
  /** Shuffle the samples every epoch (default true). */
  shuffle?: boolean;
  /** A checkpoint file, or a checkpoint directory (its newest file), to continue training from. */
  resumeFrom?: string;
  /** Intra-op threads of the compiled step (default: the backend's choice). */
  threads?: number;
  /** Receives one progress line per logged event (default: silent). */
  log?: (line: string) => void;
  /** Log the loss every this many iterations (default 0: only validations and checkpoints). */
  logEvery?: number;
  /**
   * Where training runs. 'distributed' (the default for an RDD on the compiled backend): data-parallel
   * on the executors, each iteration a forward-backward and a parameter-sync job (BigDL). 'average':
   * model averaging (SparkNet), `tau` local steps per partition then the weights averaged. 'local'
   * (the default for arrays and custom backends): on the driver, the data collected to it.
   */
  mode?: 'local' | 'distributed' | 'average';
  /** Distributed: iterations submitted together (Drizzle), or 'auto' (default) to keep scheduling under 2% of iteration time. */
  groupSize?: number | 'auto';
  /** Distributed: gradient and weight slices exchanged as float16 ('fp16'), or as float32 (default 'none'). */
  compress?: 'none' | 'fp16';
  /** Model averaging: local SGD steps per partition between averagings (default 1). */
  tau?: number;
  /** Distributed: bytes of a partition's samples reshuffled together each epoch (default 128 MiB; bounds memory when the cached data spills to disk). */
  shuffleWindowBytes?: number;
  /** Test hook: distributed forward-backward reads weights this many iterations stale (default 0); tests use it to show the equivalence checks can fail. */
  staleWeights?: number;
  /** The compute backend (default dl/compile.ts on onnxruntime-node); it must take the model, criterion and optimMethod given. */
  backend?: DlBackend<NoInfer<M>, NoInfer<C>, NoInfer<O>>;
}

/** One validation's results, with when it ran. */
export interface ValidationRecord {
  iteration: number;
  epoch: number;
  results: ValidationResult[];
}

/** What `optimize()` did: final counters, the last loss, every validation, the last checkpoint. */
export interface TrainingSummary {
  iteration: number;
  epoch: number;
  loss: number;
  samplesTrained: number;
  /** Seconds inside the compiled train step, and of the whole loop (batches, triggers, validation, checkpoints). */
  trainSeconds: number;
  loopSeconds: number;
  validations: ValidationRecord[];
  lastCheckpoint: string | undefined;
  /** Which mode trained. */
  mode: 'local' | 'distributed' | 'average';
  /** Distributed: the run's time split per iteration (ms), summed over its groups, with the scheduling time. */
  timing?: GroupStats;
}

/** Trains a model (BigDL's Optimizer): `await new Optimizer({...}).optimize()` returns the trained Model. */
export class Optimizer<M = Module, C extends Criterion = NnLoss, O = OptimMethod> {
  readonly options: OptimizerOptions<M, C, O>;
  /** Filled by `optimize()`. */
  summary: TrainingSummary | undefined;

  constructor(options: OptimizerOptions<M, C, O>) {
    checkOptions(options);
    this.options = options;
  }

  /** Runs training until `endWhen` fires and returns the trained Model. */
  async optimize(): Promise<Model> {
    const o = this.options as unknown as OptimizerOptions;
    const backend = (o.backend ?? (await defaultBackend())) as DlBackend;
    const mode = trainingModeOf(o, backend);
    const classification = isClassCriterion(o.criterion);
    const threads = o.threads;
    let predictor: Predictor | undefined;
    let training: TrainingMode | undefined;
    let step: TrainStep | undefined;
    try {
      if (mode === 'local') {
        const samples = await collectSamples(o.data, 'training data');
        if (samples.length === 0) throw new DlUserError('DL_EMPTY_DATA', 'training data has no samples; give at least one Sample');
        backend.ensureInputShape?.(o.model, singleFeatures(samples[0], 0).length);
        // The model's output width bounds the class labels. The predictor reads the module's current
        // weights on every run, so this one also serves every validation over arrays.
        predictor = classification || o.validation ? await backend.compilePredictor(o.model, { threads }) : undefined;
        const numClasses = classification && predictor ? predictor.outputShape[predictor.outputShape.length - 1] : undefined;
        const layout = checkSamples(samples, 'training data', numClasses);
        const validate = await this.validator(backend, predictor, layout.featureLength, numClasses);
        step = await backend.compileTrainStep(o.model, o.criterion, o.optimMethod, { threads });
        training = new LocalTraining(backend, o.model, step, samples, layout, o.batchSize, o.seed ?? 0, o.shuffle !== false);
        return await this.drive(backend, training, layout.featureLength, validate);
      }
      const data = o.data as RDD<Sample>;
      const scan = await DistributedTraining.scan(data);
      const featureLength = singleFeatures(scan.first, 0).length;
      backend.ensureInputShape?.(o.model, featureLength);
      predictor = classification || o.validation ? await backend.compilePredictor(o.model, { threads }) : undefined;
      const numClasses = classification && predictor ? predictor.outputShape[predictor.outputShape.length - 1] : undefined;
      const validate = await this.validator(backend, predictor, featureLength, numClasses);
      const dist = await DistributedTraining.create(data.context, data, scan, o.model as Module, o.criterion as NnLoss, o.optimMethod as OptimMethod, {
        mode, groupSize: o.groupSize ?? 'auto', compress: o.compress ?? 'none', tau: o.tau ?? 1,
        shuffleWindowBytes: o.shuffleWindowBytes ?? 128 << 20, staleness: o.staleWeights ?? 0,
        threads: threads ?? 0, seed: o.seed ?? 0, shuffle: o.shuffle !== false, batchSize: o.batchSize,
        classes: numClasses ?? 0, log: o.log ?? (() => {}),
      });
      training = dist;
      return await this.drive(backend, dist, featureLength, validate);
    } finally {
      await training?.dispose?.();
      await step?.dispose();
      await predictor?.dispose();
    }
  }

  /**
   * The validation of this run: over an RDD, a map stage on the executors (each partition scores its
   * samples, the driver merges the sums); over an array, here with the run's predictor.
   */
  private async validator(backend: DlBackend, predictor: Predictor | undefined, featureLength: number, numClasses: number | undefined): Promise<(() => Promise<ValidationResult[]>) | undefined> {
    const o = this.options as unknown as OptimizerOptions;
    const v = o.validation;
    if (v === undefined) return undefined;
    const metrics = v.metrics.map((m) => (m instanceof Loss ? m.withDefaultCriterion(o.criterion) : m));
    const batchSize = v.batchSize ?? o.batchSize;
    if (isRdd(v.data) && backend.exportOnnx !== undefined) {
      const rdd = v.data;
      return async () => {
        const model = Model.fromModule(o.model, backend, { threads: o.threads });
        try {
          return await model.evaluate(rdd, metrics, { batchSize });
        } finally {
          await model.dispose();
        }
      };
    }
    const valSamples = await collectSamples(v.data, 'validation data');
    const valLayout = checkSamples(valSamples, 'validation data', numClasses);
    if (valLayout.featureLength !== featureLength) {
      throw new DlUserError('DL_BAD_SAMPLE', `validation samples have ${valLayout.featureLength} features but training samples have ${featureLength}`);
    }
    return () => evaluateSamples(predictor!, valSamples, valLayout, metrics, batchSize);
  }

  /**
   * The driver loop shared by every training mode: triggers, schedules, validation, checkpoints. A mode
   * that runs groups gets as many iterations at once as its group size allows, cut short where a
   * trigger (endWhen, validation, checkpoint) could fire: triggers are evaluated at group boundaries.
   */
  private async drive(backend: DlBackend, mode: TrainingMode, featureLength: number, validate: (() => Promise<ValidationResult[]>) | undefined): Promise<Model> {
    const o = this.options as unknown as OptimizerOptions;
    const log = o.log ?? (() => {});
    const n = mode.numSamples;
    const endWhen = o.endWhen ?? Trigger.maxEpoch(10);
    const schedule = o.learningRateSchedule;
    const baseLr = backend.baseLearningRate(o.optimMethod);

    let iteration = 0;
    let epoch = 0;
    let loss = NaN;
    let score: number | undefined;
    let lastCheckpoint: string | undefined;
    const validations: ValidationRecord[] = [];

    if (o.resumeFrom !== undefined) {
      const c = loadCheckpoint(o.resumeFrom);
      if (c.numSamples !== n || c.featureLength !== featureLength) {
        throw new DlUserError('DL_BAD_CHECKPOINT',
          `checkpoint ${o.resumeFrom} was written for ${c.numSamples} samples of ${c.featureLength} features, but this run has ${n} of ${featureLength}; resume with the same training data`);
      }
      if (c.buffers.length > 0 && !backend.setModelBuffers) {
        throw new DlUserError('DL_BAD_CHECKPOINT', `checkpoint ${o.resumeFrom} holds model buffers this backend cannot restore`);
      }
      mode.restore(c);
      ({ iteration, epoch, loss, score } = c);
      if (schedule && c.scheduleState) schedule.setState(c.scheduleState);
      lastCheckpoint = o.resumeFrom;
      log(`resumed from ${o.resumeFrom} at iteration ${iteration}, epoch ${epoch}`);
    }

    const state = (epochEnded: boolean): TrainingState => ({ iteration, epoch, epochEnded, loss, score });
    let samplesTrained = 0;
    let computeMs = 0;
    const loopStart = performance.now();
    const fires = (s: TrainingState) => endWhen.fires(s) || (o.validation?.trigger.fires(s) ?? false) || (o.checkpoint?.trigger.fires(s) ?? false);

    /**
     * Plans the group starting after iteration `from` (epoch `ep`): the learning rate of each iteration
     * (stepping the schedule), up to the first where a trigger could fire.
     */
    const plan = (from: number, ep: number) => {
      const maxG = mode.runGroup ? mode.nextGroupSize!() : 1;
      const lrs: number[] = [];
      let atTrigger = false;
      for (let g = 1; g <= maxG; g++) {
        lrs.push(schedule ? schedule.getLr(baseLr) : baseLr);
        const ended = mode.epochEnds(from + g);
        if (ended) ep++;
        if (schedule && (schedule.stepOn === 'iteration' || (schedule.stepOn === 'epoch' && ended))) schedule.step();
        if (fires({ iteration: from + g, epoch: ep, epochEnded: ended, loss, score })) {
          atTrigger = true;
          break;
        }
      }
      return { lrs, end: from + lrs.length, endEpoch: ep, atTrigger };
    };

    let lastEnded = false;
    let next: ReturnType<typeof plan> | undefined;
    while (!endWhen.fires(state(lastEnded))) {
      const cur = next ?? plan(iteration, epoch);
      // A group that ends where no trigger fires is followed at once by the next, which the mode may
      // submit while this one runs (Drizzle): the driver is not between them.
      next = mode.runGroup && !cur.atTrigger ? plan(cur.end, cur.endEpoch) : undefined;
      const lrs = cur.lrs;
      const t0 = performance.now();
      const results = mode.runGroup ? await mode.runGroup(lrs, next?.lrs) : [await mode.runIteration(lrs[0])];
      const groupMs = performance.now() - t0;
      let epochEnded = false;
      for (let g = 0; g < results.length; g++) {
        const r = results[g];
        loss = r.loss;
        computeMs += r.computeMs;
        if (!Number.isFinite(loss)) {
          throw new DlUserError('DL_NAN_LOSS',
            `training loss is ${loss} at iteration ${iteration + 1} (epoch ${epoch + 1}); ` +
            (lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint} (resume with resumeFrom)` : 'no checkpoint was written before it (set checkpoint: { path, trigger })') +
            '; lower the learning rate or check the data for NaN/huge values');
        }
        iteration++;
        samplesTrained += r.count;
        epochEnded = r.epochEnded;
        if (epochEnded) epoch++;
        if (o.logEvery && iteration % o.logEvery === 0) {
          // BigDL's per-iteration line
          const secs = groupMs / results.length / 1000;
          log(`[Epoch ${epoch + (epochEnded ? 0 : 1)} ${epochEnded ? n : Math.min(n, samplesTrained % n || n)}/${n}][Iteration ${iteration}][Wall Clock ${((performance.now() - loopStart) / 1000).toFixed(3)}s] ` +
            `Trained ${r.count} records in ${secs.toFixed(4)} seconds. Throughput is ${(r.count / secs).toFixed(1)} records/second. Loss is ${loss.toFixed(5)}. lr ${lrs[g]}`);
        }
      }

      const s = state(epochEnded);
      if (validate && o.validation!.trigger.fires(s)) {
        mode.syncModel();
        const results = await validate();
        validations.push({ iteration, epoch, results });
        score = results[0]?.value;
        log(`validation at iteration ${iteration} (epoch ${epoch}): ${results.map(String).join(', ')}`);
        const summary = mode.describeTiming?.();
        if (summary) log(summary);
        if (schedule && schedule.stepOn === 'validation' && score !== undefined) schedule.step(score);
      }
      if (o.checkpoint && o.checkpoint.trigger.fires(state(epochEnded))) {
        const c: CheckpointState = {
          ...mode.checkpoint(), iteration, epoch, loss, score,
          scheduleState: schedule?.getState(), numSamples: n, featureLength,
        };
        lastCheckpoint = saveCheckpoint(o.checkpoint.path, c);
        if (o.checkpoint.overwrite) removeOtherCheckpoints(o.checkpoint.path, lastCheckpoint);
        log(`checkpoint ${lastCheckpoint}`);
      }
      lastEnded = epochEnded;
    }

    mode.syncModel();
    this.summary = {
      iteration, epoch, loss, samplesTrained, trainSeconds: computeMs / 1000, loopSeconds: (performance.now() - loopStart) / 1000, validations, lastCheckpoint,
      mode: mode.name, timing: mode.timing?.(),
    };
    return Model.fromModule(o.model, backend, { threads: o.threads });
  }
}

/** Which mode trains: the one asked for, else distributed for an RDD on the compiled backend, local otherwise. */
function trainingModeOf(o: OptimizerOptions, backend: DlBackend): 'local' | 'distributed' | 'average' {
  const compiled = backend === compiledBackend;
  if (o.mode === undefined) return isRdd(o.data) && compiled ? 'distributed' : 'local';
  if (o.mode !== 'local' && o.mode !== 'distributed' && o.mode !== 'average') {
    throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: mode must be 'local', 'distributed' or 'average', got ${JSON.stringify(o.mode)}`);
  }
  if (o.mode !== 'local') {
    if (!isRdd(o.data)) throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: mode '${o.mode}' trains on the executors and needs data as an RDD<Sample> (ctx.parallelize(samples) for an array)`);
    if (!compiled) throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: mode '${o.mode}' runs the compiled backend on executors; a custom backend trains with mode: 'local'`);
  }
  return o.mode;
}

function isRdd(d: unknown): d is RDD<Sample> {
  return d instanceof RDD;
}

async function collectSamples(data: SampleData, what: string): Promise<readonly Sample[]> {
  if (Array.isArray(data)) return data;
  if (data !== null && typeof data === 'object' && typeof (data as { collect?: unknown }).collect === 'function') {
    return (data as { collect(): Promise<Sample[]> }).collect();
  }
  throw new DlUserError('DL_BAD_ARGUMENT', `${what} must be an array of Samples or an RDD<Sample>, got ${typeof data}`);
}

function checkOptions(o: OptimizerOptions<unknown, Criterion, unknown>): void {
  if (o === null || typeof o !== 'object') throw new DlUserError('DL_BAD_ARGUMENT', 'new Optimizer({ model, data, criterion, batchSize, optimMethod, ... }) needs an options object');
  for (const k of ['model', 'data', 'criterion', 'optimMethod'] as const) {
    if (o[k] === undefined || o[k] === null) throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: option '${k}' is required`);
  }
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: batchSize must be a positive integer, got ${o.batchSize}`);
  }
  if (o.endWhen !== undefined && !(o.endWhen instanceof Trigger)) throw new DlUserError('DL_BAD_ARGUMENT', 'Optimizer: endWhen must be a Trigger (e.g. Trigger.maxEpoch(5))');
  if (o.validation !== undefined) {
    const v = o.validation;
    if (!(v.trigger instanceof Trigger)) throw new DlUserError('DL_BAD_ARGUMENT', 'Optimizer: validation.trigger must be a Trigger (e.g. Trigger.everyEpoch())');
    if (!Array.isArray(v.metrics) || v.metrics.length === 0 || v.metrics.some((m) => typeof m?.evaluate !== 'function')) {
      throw new DlUserError('DL_BAD_ARGUMENT', 'Optimizer: validation.metrics must be a non-empty array of metrics (e.g. [new Top1Accuracy()])');
    }
    if (v.batchSize !== undefined && !(Number.isInteger(v.batchSize) && v.batchSize >= 1)) {
      throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: validation.batchSize must be a positive integer, got ${v.batchSize}`);
    }
  }
  if (o.checkpoint !== undefined) {
    if (typeof o.checkpoint.path !== 'string' || o.checkpoint.path === '') throw new DlUserError('DL_BAD_ARGUMENT', 'Optimizer: checkpoint.path must be a directory path');
    if (!(o.checkpoint.trigger instanceof Trigger)) throw new DlUserError('DL_BAD_ARGUMENT', 'Optimizer: checkpoint.trigger must be a Trigger (e.g. Trigger.everyEpoch())');
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: seed must be an integer, got ${o.seed}`);
  if (o.groupSize !== undefined && o.groupSize !== 'auto' && !(Number.isInteger(o.groupSize) && o.groupSize >= 1)) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: groupSize must be a positive integer or 'auto', got ${JSON.stringify(o.groupSize)}`);
  }
  if (o.compress !== undefined && o.compress !== 'none' && o.compress !== 'fp16') {
    throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: compress must be 'none' or 'fp16', got ${JSON.stringify(o.compress)}`);
  }
  if (o.tau !== undefined && !(Number.isInteger(o.tau) && o.tau >= 1)) throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: tau must be a positive integer (local steps between averagings), got ${o.tau}`);
  if (o.shuffleWindowBytes !== undefined && !(Number.isFinite(o.shuffleWindowBytes) && o.shuffleWindowBytes > 0)) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: shuffleWindowBytes must be a positive number of bytes, got ${o.shuffleWindowBytes}`);
  }
  if (o.staleWeights !== undefined && !(Number.isInteger(o.staleWeights) && o.staleWeights >= 0)) {
    throw new DlUserError('DL_BAD_ARGUMENT', `Optimizer: staleWeights must be a non-negative integer, got ${o.staleWeights}`);
  }
}
