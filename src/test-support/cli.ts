// Runs the CLI as a user does (node + tsx on src/cli/main.ts) and returns its exit code and output.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

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
