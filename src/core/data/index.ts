export {
  parseNpy,
  parseNpyView,
  type NpyArray,
  type NpyData,
  type NpyDtype,
  type NpyViewOptions,
} from './npy';
export { parseNpz, type NpzBatchArrays, type NpzOptions } from './npz';
export { parseBatchJson, type JsonArray, type JsonBatchArrays } from './json';
export { parseBatchFiles, readBatchArrays, pairRole, type LoadedBatch, type RawBatchArrays } from './batch';
export { fitBatchToModel, type FitOptions } from './fit';
export { defaultSensitivityPoints, splitBatch } from './split';
export {
  parseTrainingFiles,
  trainingSetFromBatch,
  gatherSamples,
  splitForTraining,
  type TrainingSet,
  type TrainingFitOptions,
} from './training';
export {
  sanityWarnings,
  batchWarnings,
  inputStats,
  rescalesInput,
  type SanityCode,
  type SanityInputs,
  type SanityWarning,
} from './warnings';
