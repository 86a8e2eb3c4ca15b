import seedrandom from 'seedrandom';

/** A repeatable uniform [0, 1) generator; the same seed gives the same pruning. */
export function seededRandom(seed: number | string): () => number {
  return seedrandom.alea(String(seed));
}
