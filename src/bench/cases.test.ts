import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelFor } from '../core';
import { useBackend } from '../test-support/tf-node';
import { Demo, loadDemoFiles } from './demo';
import { convCase, denseCase, zOnlyCase } from './kernels';
import type { BenchCase } from './timing';

async function runOnce(c: BenchCase): Promise<void> {
  await c.setup?.(0);
  await c.baseline(0);
  await c.measured(0);
  c.dispose();
}

beforeAll(() => useBackend('wasm'));

describe('bench cases', () => {
  it('kernel cases free every tensor they make, on both kernel paths', async () => {
    const before = tf.memory().numTensors;
    for (const variant of ['auto', 'plain'] as const) {
      await runOnce(denseCase(kernelFor('wasm', variant), 2));
      await runOnce(convCase(kernelFor('wasm', variant), 1));
    }
    await runOnce(zOnlyCase('dense', 2));
    await runOnce(zOnlyCase('conv', 1));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('demo cases run on the committed demo, report their split, and free their tensors', async () => {
    const before = tf.memory().numTensors;
    const files = await loadDemoFiles(async (p) => new Uint8Array(readFileSync(join('public/demo', p))));
    const demo = await Demo.open(files, kernelFor('wasm'));
    const step = await demo.sliderStep('wt').measured(0);
    expect(step).toMatchObject({ trials: expect.any(Number) });
    expect(step!.pruneMs).toBeGreaterThan(0);
    const sweep = await demo.sweep(1).measured(0);
    // One sparsity x five methods: at least one budget-search trial per point.
    expect(sweep!.trials).toBeGreaterThanOrEqual(5);
    await runOnce(demo.prepare(kernelFor('wasm'), 8));
    demo.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
