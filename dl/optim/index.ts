/** The `optim` namespace: optimizers whose updates compile into the training-step graph. */
export { OptimMethod, type UpdateContext } from './optim-method.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export { Adam, AdamW, type AdamOptions } from './adam.ts';
export { Adagrad, type AdagradOptions } from './adagrad.ts';
export { RMSprop, type RMSpropOptions } from './rmsprop.ts';
export {
  StepLR, MultiStepLR, ExponentialLR, PolynomialLR, LinearLR, SequentialLR, ReduceLROnPlateau,
  type LearningRateSchedule, type ReduceLROnPlateauOptions,
} from './schedules.ts';
