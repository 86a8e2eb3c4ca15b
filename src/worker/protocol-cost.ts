// What a curve point costs to run: the model as it would be downloaded slim (zeroed channels
// removed), so accuracy can be read against parameters, work per sample and measured latency.

export interface PointCost {
  /** Parameters the slim model holds (zeros included): what a download with "slim" writes. */
  params: number;
  /** Its non-zero parameters. */
  nonzero: number;
  /** Multiply-accumulates per sample of the slim model. */
  macs: number;
  /** Median ms of one predict of `batch` samples on this backend. */
  latencyMs: number;
  batch: number;
  /** Channels and neurons the slim model no longer has (0: same shapes as dense, timed as dense). */
  removedChannels: number;
  /** The dense model's, measured once per model and batch: what every point is read against. */
  dense: DenseCost;
}

export interface DenseCost {
  params: number;
  nonzero: number;
  macs: number;
  latencyMs: number;
  batch: number;
  /** The backend the latencies were measured on. */
  backend: string;
}
