// The layer kinds beyond Dense/Conv2D reach the fused WebGPU kernel as a Dense or a Conv2D on a
// prepared input (core/model/layer-inputs.ts); this checks that path against the float64 reference.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../core/model/prunable';
import { cloneModel, disposeModel } from '../core/model/clone';
import { storedIndex, toStoredLayout } from '../core/model/layer-inputs';
import { computeSensitivities } from '../core/sensitivity/compute';
import type { Reduction } from '../core/sensitivity/kernel';
import { LAYER_CASES, caseInputs, caseModel } from '../test-support/layer-cases';
import { referenceFromTerms } from '../test-support/reference64-layers';
import { expectClose } from '../test-support/tf-node';
import { initWebGpuNode } from '../test-support/webgpu-node';
import { webgpuFusedKernel } from './fused-kernel';

const setup = await initWebGpuNode();
if (!setup.ok) console.warn(`Skipping WebGPU layer-kind tests: ${setup.reason}`);

const N = 4;

describe.skipIf(!setup.ok)('webgpu-fused kernel on every prunable layer kind', () => {
  afterAll(() => expect(tf.memory().numTensors).toBe(0));

  it.each(LAYER_CASES)('$name: mean and max match the float64 reference', async (c) => {
    const model = caseModel(c, 7);
    const x = caseInputs(c, N, 11);
    // Never dataSync() on webgpu (environment.md): every read is awaited.
    const weights = await Promise.all(
      model.layers[1].getWeights().map(async (w) => Float64Array.from(await w.data())),
    );
    const per = x.length / N;
    const refs = Array.from({ length: N }, (_, n) =>
      c.reference(weights, Float64Array.from(x.subarray(n * per, (n + 1) * per))),
    );
    const clone = await cloneModel(model);
    const p = analyzeModel(clone).prunable[0];
    const xt = tf.tensor(x, [N, ...c.input]);
    const res = await computeSensitivities(clone, [p], xt, {
      reductions: ['mean', 'max'],
      kernel: webgpuFusedKernel,
      chunkPoints: 3,
    });
    for (const r of ['mean', 'max'] as Reduction[]) {
      const want = referenceFromTerms(
        refs[0].terms,
        refs.flatMap((f) => f.points),
        r,
      );
      expectClose(toStoredLayout(storedIndex(p), res.get(r)!.get(p.key)!), want, 1e-5, 1e-7);
    }
    xt.dispose();
    disposeModel(clone);
    disposeModel(model);
  });
});
