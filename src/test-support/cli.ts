// Runs the CLI as a user does (node + tsx on src/cli/main.ts) and returns its exit code and output.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[]): Promise<CliRun> {
  try {
    const r = await run(process.execPath, [...CLI, ...args], { cwd: process.cwd(), maxBuffer: 64 << 20 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as CliRun;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Stock tf.loadLayersModel on the model.json + shard the CLI wrote into `dir` (tfjs dequantises). */
export async function loadWritten(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    }),
  );
}
