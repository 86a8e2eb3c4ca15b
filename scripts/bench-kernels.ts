// Micro-benchmark of the sensitivity kernels against the matMul they build on.
//   npx tsx scripts/bench-kernels.ts            (wasm, then webgpu on SwiftShader when available)
// Prints medians of 5 runs after one warm-up. SwiftShader is a CPU: its numbers say nothing about
// real GPUs, only that the fused path works and how it compares with tfjs ops on the same device.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { cpuLoopsKernel } from '../src/core/sensitivity/cpu-kernel';
import type { SensitivityKernel } from '../src/core/sensitivity/kernel';
import { plainKernel } from '../src/core/sensitivity/plain';
import type { ConvGeometry } from '../src/core/types';
import { webgpuFusedKernel } from '../src/gpu/fused-kernel';
import { initWebGpuNode } from '../src/test-support/webgpu-node';
import { randomInput, randomSplitWeights, rng } from '../src/test-support/sensitivity-reference';

const RUNS = 5;

interface Timing {
  wall: number;
  /** CPU time of this process: on a shared machine it says what wall time would be on an idle one. */
  cpu: number;
}

async function median(run: () => tf.Tensor[]): Promise<Timing> {
  const once = async (): Promise<Timing> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const outs = run();
    // data() waits for the device; on wasm/cpu the work is already done.
    await Promise.all(outs.map((t) => t.data()));
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    tf.dispose(outs);
    return { wall, cpu: (c.user + c.system) / 1000 };
  };
  await once();
  const runs: Timing[] = [];
  for (let k = 0; k < RUNS; k++) runs.push(await once());
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  return { wall: mid(runs.map((r) => r.wall)), cpu: mid(runs.map((r) => r.cpu)) };
}

const fmt = (t: Timing) => `${t.wall.toFixed(1)} ms (cpu ${t.cpu.toFixed(1)} ms)`;
const ratio = (t: Timing, base: Timing) =>
  `${(t.wall / base.wall).toFixed(1)} x (cpu ${(t.cpu / base.cpu).toFixed(1)} x)`;

function denseInputs(points: number, fanIn: number, outs: number) {
  const rand = rng(1);
  const a = tf.tensor2d(randomInput(points * fanIn, rand), [points, fanIn]);
  const { pos, neg } = randomSplitWeights(fanIn * outs, rand);
  return { a, wPos: tf.tensor2d(pos, [fanIn, outs]), wNeg: tf.tensor2d(neg, [fanIn, outs]) };
}

async function benchDense(kernels: SensitivityKernel[], points: number, fanIn: number, outs: number) {
  const { a, wPos, wNeg } = denseInputs(points, fanIn, outs);
  const mm = await median(() => [tf.matMul(a, wPos)]);
  console.log(`  tf.matMul [${points},${fanIn}]x[${fanIn},${outs}]: ${fmt(mm)}`);
  for (const k of kernels) {
    const ms = await median(() => {
      const { mPos, mNeg } = k.dense(a, wPos, wNeg);
      return [mPos, mNeg];
    });
    console.log(`  ${k.name} dense (both signs): ${fmt(ms)} = ${ratio(ms, mm)} matMul`);
  }
  tf.dispose([a, wPos, wNeg]);
}

async function benchConv(kernels: SensitivityKernel[], points: number, hw: number, c: number, outs: number) {
  const g: ConvGeometry = { kernelSize: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' };
  const rand = rng(2);
  const x = tf.tensor4d(randomInput(points * hw * hw * c, rand), [points, hw, hw, c]);
  const { pos, neg } = randomSplitWeights(9 * c * outs, rand);
  const wPos = tf.tensor4d(pos, [3, 3, c, outs]);
  const wNeg = tf.tensor4d(neg, [3, 3, c, outs]);
  const cv = await median(() => [tf.conv2d(x, wPos, 1, 'same')]);
  console.log(`  tf.conv2d [${points},${hw},${hw},${c}] 3x3 -> ${outs}: ${fmt(cv)}`);
  for (const k of kernels) {
    for (const reduction of ['mean', 'max'] as const) {
      const ms = await median(() => {
        const { mPos, mNeg } = k.conv(x, wPos, wNeg, g, reduction);
        return [mPos, mNeg];
      });
      console.log(`  ${k.name} conv ${reduction} (both signs): ${fmt(ms)} = ${ratio(ms, cv)} conv2d`);
    }
  }
  tf.dispose([x, wPos, wNeg]);
}

async function main() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
  console.log('wasm (Node, 1 thread):');
  await benchDense([cpuLoopsKernel, plainKernel], 128, 1024, 1024);
  await benchConv([cpuLoopsKernel, plainKernel], 64, 28, 6, 16);

  const gpu = await initWebGpuNode();
  if (!gpu.ok) {
    console.log(`webgpu: skipped (${gpu.reason})`);
    return;
  }
  console.log(`webgpu (Node, Dawn on ${gpu.adapter}):`);
  // plain-ops is left out here: its max reductions take about 13.6 s per call at this size on
  // SwiftShader (one measurement), which would dominate the script's run time.
  await benchDense([webgpuFusedKernel], 32, 256, 256);
  await benchConv([webgpuFusedKernel], 8, 14, 6, 16);
}

await main();
