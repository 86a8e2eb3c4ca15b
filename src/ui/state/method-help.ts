// "What is this method", for people who have not read the papers: two or three plain sentences
// per method, and where to read more. The one-line summaries in core/methods.ts are for --help
// and cite paper sections; these replace them on the page.
import type { MethodKey } from '../../worker/protocol';

export const SIPP_PAPER = {
  title: 'SiPPing Neural Networks (Baykal, Liebenwein et al.), arXiv 1910.05422',
  href: 'https://arxiv.org/abs/1910.05422',
};

export interface MethodHelp {
  text: string;
  /** The paper the method comes from, as plain text (no link for the baselines named by author). */
  source: string;
  /** Only SiPP's own methods link to its paper; the others name theirs. */
  href?: string;
}

const SIPP = 'SiPPing Neural Networks, arXiv 1910.05422';

export const METHOD_HELP: Record<MethodKey, MethodHelp> = {
  sipp: {
    text:
      'Measures how much each weight contributes to its neuron on a few samples (its sensitivity). ' +
      'For every neuron it then either keeps the most sensitive weights or samples weights in ' +
      'proportion to their sensitivity, whichever has the smaller error guarantee.',
    source: `${SIPP}, section 4 (SiPP-Hybrid)`,
    href: SIPP_PAPER.href,
  },
  'sipp-det': {
    text:
      'Ranks every weight of the network by its sensitivity on a few samples and keeps the most ' +
      'sensitive ones, across all layers at once. It is deterministic: the seed does not matter.',
    source: `${SIPP}, section 3 (SiPP-Det)`,
    href: SIPP_PAPER.href,
  },
  'sipp-rand': {
    text:
      'Gives each neuron a share of the weights to keep, then draws that many weights at random, ' +
      'more likely the more sensitive they are, and scales the survivors so that the neuron keeps ' +
      'its output on average. Different seeds give different masks.',
    source: `${SIPP}, section 2 (SiPP-Rand)`,
    href: SIPP_PAPER.href,
  },
  wt: {
    text:
      'Keeps the weights with the largest absolute value, across all layers, and sets the rest to ' +
      'zero. It needs no data: the classic baseline.',
    source: 'Han et al. 2015, Learning both Weights and Connections',
  },
  snip: {
    text:
      'Scores each weight by how much the loss on a few labelled samples would change if it were ' +
      'removed, and keeps the highest-scoring ones. It needs labels in the batch.',
    source: 'Lee et al. 2019, SNIP: Single-shot Network Pruning',
  },
  uniform: {
    text:
      'Every neuron keeps the same fraction of its weights, drawn at random and rescaled. It shows ' +
      'how much a method gains by choosing where to prune.',
    source: `${SIPP}, a baseline of the experiments`,
    href: SIPP_PAPER.href,
  },
  random: {
    text:
      'Sets a random set of weights to zero, the same fraction everywhere, without rescaling. It is ' +
      'the floor every other method should beat.',
    source: 'a baseline',
  },
  pfp: {
    text:
      'Removes whole input channels (or neurons) rather than single weights, keeping in each layer ' +
      'the channels that matter most on a few samples. The pruned model is smaller, not only sparser.',
    source: 'Liebenwein, Baykal et al. 2020, Provable Filter Pruning (arXiv 1911.07412)',
  },
  'pfp-rand': {
    text:
      'Like PFP, but draws the channels to keep at random, in proportion to how much they matter, ' +
      'and rescales them. Different seeds give different models.',
    source: 'Liebenwein, Baykal et al. 2020, Provable Filter Pruning',
  },
  'pfp-top': {
    text:
      'Like PFP-Rand, it keeps channels in proportion to how much they matter. The channels that ' +
      'would almost surely be drawn are kept as they are; only the rest are sampled.',
    source: 'Liebenwein, Baykal et al. 2020, Provable Filter Pruning',
  },
  'filter-norm': {
    text:
      'Removes the output filters with the smallest sum of absolute weights, the same fraction in ' +
      'every layer. It needs no data.',
    source: 'Li et al. 2017, Pruning Filters for Efficient ConvNets',
  },
  softnet: {
    text:
      'Removes the output filters with the smallest weight norm, the same fraction in every layer. ' +
      'The original also lets filters grow back during training; here it prunes once.',
    source: 'He et al. 2018, Soft Filter Pruning',
  },
  'filter-uniform': {
    text:
      'Removes a random set of input channels, the same fraction in every layer, keeping the first ' +
      'layer whole. The structured counterpart of Random.',
    source: 'a baseline',
  },
};
