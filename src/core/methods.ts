import type { MethodKey } from './types';

export interface MethodSpec {
  label: string;
  /** One line for --help, the README and the UI. */
  summary: string;
  /** Which scores the method needs, computed once per model and batch. */
  needs: 'sens-mean' | 'sens-max' | 'magnitude' | 'snip' | 'none';
  /** Uses the RNG (seeded). */
  random: boolean;
  /** Removes whole channels or filters (src/core/structured): sizes move in steps of a slice. */
  structured?: boolean;
}

export const METHODS: Record<MethodKey, MethodSpec> = {
  sipp: {
    label: 'SiPP (hybrid)',
    summary:
      'SiPP-Hybrid (Baykal, Liebenwein et al. 2019, §4): per neuron and weight sign, top-k or importance sampling, whichever error bound is smaller',
    needs: 'sens-max',
    random: true,
  },
  'sipp-det': {
    label: 'SiPP-Det',
    summary: 'SiPP-Det (§3): global top-B of empirical sensitivities (mean over conv positions), mask only',
    needs: 'sens-mean',
    random: false,
  },
  'sipp-rand': {
    label: 'SiPP-Rand',
    summary:
      'SiPP-Rand (§2): per-neuron budgets from a convex program, multinomial importance sampling with reweighting',
    needs: 'sens-max',
    random: true,
  },
  wt: {
    label: 'WT (magnitude)',
    summary:
      'Global magnitude thresholding (Han et al. 2015; ThresNet in the reference): keep the B largest |w|',
    needs: 'magnitude',
    random: false,
  },
  snip: {
    label: 'SNIP',
    summary:
      'SNIP (Lee et al. 2019): keep the B largest |dL/dw · w| on the sensitivity points, cross-entropy loss',
    needs: 'snip',
    random: false,
  },
  uniform: {
    label: 'Uniform',
    summary:
      'Uniform (UniNet in the reference): every neuron keeps the same fraction, sampled uniformly with reweighting',
    needs: 'none',
    random: true,
  },
  random: {
    label: 'Random',
    summary: 'A seeded uniformly random global mask, no reweighting: the floor every method must beat',
    needs: 'none',
    random: true,
  },
  pfp: {
    label: 'PFP',
    summary:
      'PFP (Liebenwein, Baykal et al. 2020; PFPNet): per layer, the top-k input channels by channel sensitivity, k from one error bound for all layers',
    needs: 'sens-max',
    random: false,
    structured: true,
  },
  'pfp-rand': {
    label: 'PFP-Rand',
    summary: 'PFPNetRand: per layer, input channels sampled by channel sensitivity with reweighting',
    needs: 'sens-max',
    random: true,
    structured: true,
  },
  'pfp-top': {
    label: 'PFP-Top',
    summary:
      'PFPNetTop: channels sure to be drawn are kept as they are, the rest of the k sampled with reweighting',
    needs: 'sens-max',
    random: true,
    structured: true,
  },
  'filter-norm': {
    label: 'FT (filter L1)',
    summary:
      'Filter thresholding (Li et al. 2017; FilterThresNet): output filters with the largest L1 norm, same fraction per layer',
    needs: 'none',
    random: false,
    structured: true,
  },
  softnet: {
    label: 'SoftNet (filter L2)',
    summary:
      'SoftNet criterion (He et al. 2018): output filters with the largest L2 norm, same fraction per layer, no soft regrowth',
    needs: 'none',
    random: false,
    structured: true,
  },
  'filter-uniform': {
    label: 'Uniform filters',
    summary:
      'FilterUniNet: a seeded random subset of input channels, same fraction per layer, first layer kept',
    needs: 'none',
    random: true,
    structured: true,
  },
};
