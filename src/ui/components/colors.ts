import type { MethodKey } from '../../worker/protocol';

/** One colour per method, told apart also in grey print (lightness varies) and by colour-blind readers. */
export const METHOD_COLORS: Record<MethodKey, string> = {
  sipp: '#1f6feb',
  'sipp-det': '#0b8a8a',
  'sipp-rand': '#7c4dcc',
  wt: '#d9480f',
  snip: '#b5179e',
  uniform: '#8a6d00',
  random: '#6b7280',
  pfp: '#2f9e44',
  'pfp-rand': '#74b816',
  'pfp-top': '#0c5d2c',
  'filter-norm': '#e8590c',
  softnet: '#c2255c',
  'filter-uniform': '#495057',
};
