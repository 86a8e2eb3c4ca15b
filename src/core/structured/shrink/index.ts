// Physical removal of zeroed channels (pfp-algorithm.md §7): channel spaces, the slim model, cost.
export { channelSpaces, type ChannelSpace, type ChannelSpaces, type LayerRole } from './spaces';
export {
  shrinkModel,
  nonzeroAlong,
  type ShrinkReport,
  type ShrinkResult,
  type ShrinkLayerReport,
} from './shrink';
export { compareLatency, macsPerSample, measureLatency, type LatencyOptions } from './cost';
