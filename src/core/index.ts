// The public surface of the core: what the worker, the CLI and the benchmarks import.
export * from './types';
export { SippError, AbortError, isAbortError } from './util/errors';
export { METHODS, type MethodSpec } from './methods';
export {
  PruningSession,
  type SessionInit,
  type PruneOptions,
  type PruneResult,
  type Evaluation,
  type LayerReport,
} from './session';
export type { SensitivityPlan } from './sensitivity/compute';
export { sweep, type SweepPoint, type SweepOptions } from './sweep/sweep';
export { analyzeModel, type ModelInfo, type PrunableLayer, type LayerSummary } from './model/prunable';
export { loadModel, exportModel, type LoadedModel, type ExportedModel } from './model/io';
export { parseBatchFiles, fitBatchToModel, defaultSensitivityPoints, type LoadedBatch } from './data';
export { batchWarnings, sanityWarnings, type SanityWarning, type SanityCode } from './data';
export {
  parseTrainingFiles,
  trainingSetFromBatch,
  gatherSamples,
  splitForTraining,
  type TrainingSet,
  type TrainingFitOptions,
} from './data';
export { encodeNpz, encodeNpy } from './export/npz';
export { sippMetadata, TOOL_VERSION, type SippMetadata } from './export/metadata';
export { evaluateFiles, loadWritten } from './export/written';
export { kernelFor, type KernelVariant } from './sensitivity/select';
export type { Reduction, SensitivityKernel } from './sensitivity/kernel';
export { registerWasmTrainingKernels } from './kernels';
export * from './train/types';
export {
  fineTune,
  cascade,
  lottery,
  resolveTrainSettings,
  checkTrainingSet,
  type RetrainOptions,
  type LotteryOptions,
} from './train/protocols';
export { trainMasked, type TrainOutcome, type TrainCallOptions } from './train/train';
export { maskFromZeros, type MaskSet } from './train/masks';
export { pruneCombined, type CombinedSpec, type CombinedResult } from './structured/combine';
export { disposeModel } from './model/clone';
export {
  shrinkModel,
  macsPerSample,
  measureLatency,
  compareLatency,
  type ShrinkReport,
  type ShrinkResult,
  type LatencyOptions,
} from './structured/shrink';
