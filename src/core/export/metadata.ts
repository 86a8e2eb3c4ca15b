// The `userDefinedMetadata.sippStudio` block of every exported model.json: how the model was made,
// so that a file found later says so itself. Stock tf.loadLayersModel keeps userDefinedMetadata
// aside (model.getUserDefinedMetadata()) and builds the model as usual. See docs-metadata.md.
import pkg from '../../../package.json';

/** The version of SiPP Studio that wrote the file (package.json). */
export const TOOL_VERSION: string = pkg.version;

export interface SippMetadata {
  /** Schema of this block; bumped when a field changes meaning. */
  schema: 1;
  tool: 'SiPP Studio';
  toolVersion: string;
  /** ISO 8601 time of the export. */
  date: string;
  method: string;
  /** Fractions in [0, 1): asked for and reached over all weights of the model. */
  targetSparsity: number;
  achievedSparsity: number;
  seed: number;
  /** Samples the sensitivities were computed on (the rest of the batch measured accuracy). */
  sensitivityPoints: number;
  propagated?: boolean;
  /** Weight format of the file when not float32. */
  quantization?: string;
  /** True when zeroed channels were removed (a physically smaller model). */
  slim?: boolean;
  /** The structured step that ran first (`prune --structured`), when it did. */
  structured?: { method: string; targetSparsity: number };
  /** How the pruned model was retrained, when it was. */
  retraining?: Record<string, unknown>;
}

export function sippMetadata(
  m: Omit<SippMetadata, 'schema' | 'tool' | 'toolVersion' | 'date'> & { date?: Date },
): SippMetadata {
  const { date, quantization, ...rest } = m;
  const out: SippMetadata = {
    schema: 1,
    tool: 'SiPP Studio',
    toolVersion: TOOL_VERSION,
    date: (date ?? new Date()).toISOString(),
    ...rest,
  };
  if (quantization && quantization !== 'float32') out.quantization = quantization;
  else delete out.quantization;
  if (!out.slim) delete out.slim;
  if (!out.retraining) delete out.retraining;
  return out;
}
