/** The typed events of the DAGScheduler's event loop. */
import type { TaskError } from './protocol.ts';
import type { AccUpdate, TaskMetrics } from '../executor/TaskContext.ts';
import type { BlockUpdate } from '../storage/BlockManager.ts';
import type { ActiveJob } from './stages.ts';

export type DAGEvent =
  | { type: 'JobSubmitted'; job: ActiveJob }
  | { type: 'JobCancelled'; jobId: number; reason: string }
  | { type: 'TaskEnded'; stageId: number; stageAttempt: number; partitionId: number; outputIndex: number; executorId: string; value: unknown; accUpdates: [number, AccUpdate][]; metrics: TaskMetrics }
  | { type: 'TaskSetFailed'; stageId: number; stageAttempt: number; partitionId: number; failures: number; error: TaskError }
  | { type: 'FetchFailed'; stageId: number; stageAttempt: number; shuffleId: number; mapId: number; error: TaskError }
  | { type: 'ResubmitFailedStages' }
  | { type: 'BlockUpdates'; updates: BlockUpdate[] }
  | { type: 'ExecutorLost'; executorIds: string[] };
