// A MobileNet-size input (224x224x3) with a batch of 1,000 samples through the CLI on wasm: every
// chunk of work must be bounded by bytes (src/test-support/wide-input.ts: a fixed 256-sample chunk
// of this model's activations ran the 4 GB wasm heap out of bounds). Few sensitivity points keep it
// quick; the batch stays large.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../test-support/tf-node';
import { writeWideInput } from '../test-support/wide-input';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sipp-large-'));
const N = 1000;
let files: Awaited<ReturnType<typeof writeWideInput>>;

beforeAll(async () => {
  await useBackend('cpu');
  files = await writeWideInput(dir, N);
});

describe('a 224x224x3 model with 1,000 samples', () => {
  it('prunes through the CLI on wasm, chunked by bytes, and reports every sample evaluated', async () => {
    const args = ['--import', 'tsx', 'src/cli/main.ts', 'prune'];
    args.push('--model', join(dir, 'model.json'), '--batch', `${files.x},${files.y}`);
    args.push('--scale-uint8', '--points', '4', '--sparsity', '0.5', '--method', 'wt', '--json');
    args.push('--out', join(dir, 'out'));
    const r = await run(process.execPath, args, { maxBuffer: 64 << 20 }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const j = JSON.parse(r.stdout);
    expect(j.error).toBeUndefined();
    expect(j.evalPoints).toBe(N - 4);
    expect(j.achievedSparsity).toBeGreaterThan(0.45);
  }, 300_000);
});
