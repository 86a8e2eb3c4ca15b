// Model input/output: load TF.js layers models (Keras 2 / Keras 3 / quantised) and export them.
export { loadModel, type LoadedModel } from './load';
export { exportModel, type ExportedModel } from '../export/model';
