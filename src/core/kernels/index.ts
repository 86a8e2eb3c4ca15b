export { registerWasmTrainingKernels, conv2dBackpropFilter } from './conv2d-backprop-filter';
export { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise-backprop';
