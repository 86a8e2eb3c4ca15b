// The first choice a user makes: zero single weights (same shapes, smaller only once compressed)
// or remove whole channels and neurons (a model that really is smaller and faster in TF.js).
import { METHOD_KEYS, METHODS, type MethodKey } from '../../worker/protocol';

export type Granularity = 'weights' | 'channels';

export const granularityOf = (m: MethodKey): Granularity => (METHODS[m].structured ? 'channels' : 'weights');

export const methodsOf = (g: Granularity): MethodKey[] => METHOD_KEYS.filter((k) => granularityOf(k) === g);

export const GRANULARITY: Record<Granularity, { label: string; help: string }> = {
  weights: {
    label: 'Single weights',
    help:
      'Zeroes individual weights. The model keeps its shapes: it compresses well (zip, quantised ' +
      'download) and reaches the highest sparsity, but TF.js runs it at the dense speed.',
  },
  channels: {
    label: 'Whole channels',
    help:
      'Removes whole filters and neurons. Sparsity moves in steps of a channel, but the slim download ' +
      'has fewer parameters and multiply-adds and runs faster: measure it below.',
  },
};
