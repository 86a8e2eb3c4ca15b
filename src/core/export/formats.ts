// The weight formats an export can write. Constants and types only, no imports: the page (through
// worker/protocol.ts) needs the names before the worker is up.

export const WEIGHT_FORMATS = ['float32', 'float16', 'uint8', 'uint16'] as const;
/** How the float32 weights are written: as they are, or quantised (see quantize.ts). */
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];
export type QuantizeMode = Exclude<WeightFormat, 'float32'>;

export function isWeightFormat(v: unknown): v is WeightFormat {
  return (WEIGHT_FORMATS as readonly unknown[]).includes(v);
}
