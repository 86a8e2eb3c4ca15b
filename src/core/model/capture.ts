import * as tf from '@tensorflow/tfjs';
import { kernelInput } from './layer-inputs';
import type { PrunableLayer } from './prunable';

type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/**
 * Runs `model` on `x` in inference mode and returns, per prunable layer, the input its pruned
 * kernel multiplies (layer-inputs.ts: the layer's input, reshaped, or for SeparableConv2D its
 * depthwise output), the counterpart of the reference's forward hooks (§1.3). The hooks are
 * instance properties that shadow `Layer.call` on the given model (pass a private clone), and are
 * removed before returning.
 * Nested models work because their inner layers are called the same way. A layer called more
 * than once per forward pass gets its inputs concatenated along the batch axis.
 */
export function captureLayerInputs(
  model: tf.LayersModel,
  layers: PrunableLayer[],
  x: tf.Tensor,
): Map<string, tf.Tensor> {
  const parts = new Map<string, tf.Tensor[]>(layers.map((p) => [p.key, []]));
  const hooked = layers.map((p) => {
    const target = p.layer as unknown as { call: CallFn };
    const original = target.call;
    target.call = function (this: unknown, inputs, kwargs) {
      const t = Array.isArray(inputs) ? inputs[0] : inputs;
      parts.get(p.key)!.push(tf.keep(kernelInput(p, t)));
      return original.call(this, inputs, kwargs);
    };
    return { target, original };
  });
  try {
    tf.tidy(() => {
      model.apply(x, { training: false });
    });
  } finally {
    for (const h of hooked) delete (h.target as Partial<{ call: CallFn }>).call;
    for (const h of hooked) if (h.target.call !== h.original) h.target.call = h.original;
  }
  const result = new Map<string, tf.Tensor>();
  for (const [key, ts] of parts) {
    if (ts.length === 0) {
      ts.forEach((t) => t.dispose());
      throw new Error(`layer ${key} was not reached by a forward pass; is it connected to the model output?`);
    }
    if (ts.length === 1) result.set(key, ts[0]);
    else {
      result.set(key, tf.concat(ts, 0));
      ts.forEach((t) => t.dispose());
    }
  }
  return result;
}
