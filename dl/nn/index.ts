/** The `nn` namespace: modules, layers, losses and initialisation, named as in PyTorch. */
export { Module, Sequential, Parameter, Buffer, BuildContext, resolveInputShape } from './module.ts';
export { Linear } from './linear.ts';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv.ts';
export { MaxPool2d, AvgPool2d } from './pool.ts';
export { ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax, Identity } from './activation.ts';
export { Dropout } from './dropout.ts';
export { BatchNorm1d, BatchNorm2d, LayerNorm } from './norm.ts';
export { Flatten, Reshape } from './shape.ts';
export { Embedding } from './embedding.ts';
export { LSTM, Select, type LSTMOptions } from './lstm.ts';
export { OnnxModule } from './onnx-module.ts';
export { Graph, GraphNode, Input, node, MergeModule, JoinTable, CAddTable, CMulTable } from './graph.ts';
export { Loss, CrossEntropyLoss, NLLLoss, ClassNLLCriterion, MSELoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss } from './loss.ts';
export { manualSeed, uniform, normal, kaimingUniform, kaimingUniformDefault, xavierUniform } from './init.ts';
export { NnUserError, NnNotImplementedError, NnInternalError, NnErrorCode } from './errors.ts';
