export { parseNpy, type NpyArray, type NpyData, type NpyDtype } from './npy';
export { parseNpz, type NpzBatchArrays } from './npz';
export { parseBatchJson, type JsonArray, type JsonBatchArrays } from './json';
export { parseBatchFiles, pairRole, type LoadedBatch } from './batch';
export { fitBatchToModel, type FitOptions } from './fit';
export { defaultSensitivityPoints, splitBatch } from './split';
