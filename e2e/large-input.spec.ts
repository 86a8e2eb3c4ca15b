// Issue 9: a MobileNet-size input (224x224x3) with 1,000 samples in the app, on wasm: loads,
// computes sensitivities on a few points and evaluates every other sample, chunked by bytes
// (a fixed 256-sample chunk of this model ran the wasm heap out of bounds).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeWideInput } from '../src/test-support/wide-input';
import { expect, test } from './fixtures/studio';

test('a 224x224x3 model with a batch of 1,000 samples prunes on wasm', async ({ studio, page }) => {
  test.setTimeout(300_000);
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'sipp-e2e-large-'));
  const files = await writeWideInput(dir, 1000);
  await studio.open('?demo=none&curves=&points=4&backend=wasm&method=wt&sparsity=0.5');
  await expect(studio.badge).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await studio.drop.setInputFiles([...files.model, files.x, files.y]);
  await expect(page.getByText(/996 for evaluation|996 evaluation/).first()).toBeAttached({
    timeout: 120_000,
  });
  await studio.sensitivitiesDone(180_000);
  await studio.resultFor(0.5, 'wt', 180_000);
  await expect(studio.errors).toHaveCount(0);
});
