// npm run bench:gpu: the benchmark on a real GPU, for a Linux machine with an NVIDIA GPU (the tool
// library's `device` machine; see BENCHMARKS.md). In under 8 minutes:
//   1. finds the NVIDIA Vulkan driver (ICD file) and the Vulkan loader (libvulkan.so.1; unpacks
//      carried .deb files from .gl/ when the loader is missing), and asks Dawn for the adapter;
//      stops with a clear message and exit code 2 when there is no NVIDIA adapter;
//   2. runs the Node benchmark on webgpu through Dawn with that driver (P1-P4, prepare);
//   3. runs the browser benchmark in headless Chromium on the GPU (after vite build), when a
//      Chromium is there (CHROMIUM_PATH, else /usr/bin/chromium);
//   4. prints one table: absolute times, baselines, ratios, and the adapter's name.
// Nothing in bench/results.json or BENCHMARKS.md is touched: the records go to bench/gpu/*.json.
//   GPU_BENCH_ONLY=P1,P2     other measurements (default P1,P2,P3,P4,prepare)
//   GPU_BENCH_SKIP_BROWSER=1 Node only
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRecord } from '../../src/bench/records';

const ONLY = process.env.GPU_BENCH_ONLY ?? 'P1,P2,P3,P4,prepare';
const OUT = 'bench/gpu';
const T0 = Date.now();
/** The issue's whole-run limit is 8 minutes; each step gets a share, and what is left goes to the last. */
const LIMIT_MS = 8 * 60_000 - 20_000;
const left = () => LIMIT_MS - (Date.now() - T0);

const ICD_CANDIDATES = [
  process.env.VK_ICD_FILENAMES,
  process.env.VK_DRIVER_FILES,
  '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json',
  '/usr/share/vulkan/icd.d/nvidia_icd.json',
  '/etc/vulkan/icd.d/nvidia_icd.json',
  '/usr/share/vulkan/icd.d/nvidia_icd.x86_64.json',
].filter((p): p is string => !!p);

function fail(message: string, code = 2): never {
  console.error(`bench:gpu: ${message}`);
  process.exit(code);
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions & { timeoutMs: number }) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts, timeout: Math.max(1000, opts.timeoutMs) });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return 'timed out';
  return r.status === 0 ? null : `exited with ${r.status ?? r.signal}`;
}

function hasLoader(): boolean {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return /libvulkan\.so\.1/.test(r.stdout ?? '');
}

/** The loader may be missing on a bare GPU machine; the device notes say to carry its .deb in .gl/. */
function ensureLoader(): void {
  if (hasLoader()) return;
  const debs = existsSync('.gl') ? readdirSync('.gl').filter((f) => f.endsWith('.deb')) : [];
  if (debs.length === 0)
    fail(
      'no Vulkan loader (libvulkan.so.1): install libvulkan1, or carry its .deb (and libegl1, libglvnd0) in .gl/',
    );
  for (const f of debs) spawnSync('dpkg', ['-x', join('.gl', f), '/'], { stdio: 'inherit' });
  spawnSync('ldconfig', [], { stdio: 'inherit' });
  if (!hasLoader()) fail('unpacking .gl/*.deb did not make libvulkan.so.1 visible to ldconfig');
}

/** Asks Dawn for an adapter in a child process, so that the ICD choice is read before Dawn loads. */
function probeAdapter(env: NodeJS.ProcessEnv): { vendor: string; name: string } {
  const code = `
    const { create } = await import('webgpu');
    const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    if (!a) { console.log(JSON.stringify(null)); process.exit(0); }
    const i = a.info;
    console.log(JSON.stringify({ vendor: i.vendor, name: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  type Info = { vendor: string; name: string } | null;
  let info: Info = null;
  try {
    info = JSON.parse(line) as Info;
  } catch {
    fail(`Dawn did not answer (${r.status ?? r.signal}): ${(r.stderr ?? '').slice(0, 400)}`);
  }
  if (!info) fail(`no WebGPU adapter from Dawn with ${env.VK_ICD_FILENAMES}: is the NVIDIA driver loaded?`);
  if (!/nvidia/i.test(info.name))
    fail(`no NVIDIA adapter found: Dawn offers '${info.name}' (a software or other-vendor adapter)`);
  return info;
}

function records(file: string): BenchRecord[] {
  if (!existsSync(file)) return [];
  const data = JSON.parse(readFileSync(file, 'utf8')) as BenchRecord[] | { records: BenchRecord[] };
  return Array.isArray(data) ? data : data.records;
}

function fmt(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function table(rs: BenchRecord[]): string {
  const lines = [
    '| runtime | row | variant | measured | baseline | ratio | target | note |',
    '| --- '.repeat(8) + '|',
  ];
  for (const r of rs) {
    const note = r.skipped ? `skipped: ${r.skipped}` : (r.reducedTo ?? '');
    lines.push(
      `| ${r.runtime} | ${r.name} | ${r.variant} | ${fmt(r.medianMs)} | ${fmt(r.baselineMs)} | ${r.ratio ?? '-'} | ${r.target ?? '-'} | ${note.slice(0, 90)} |`,
    );
  }
  return lines.join('\n');
}

function main(): void {
  if (process.platform !== 'linux')
    fail(`this script is for Linux with an NVIDIA GPU (here: ${process.platform})`);
  const icd = ICD_CANDIDATES.find((p) => existsSync(p));
  if (!icd)
    fail(
      `no NVIDIA Vulkan driver: none of ${ICD_CANDIDATES.join(', ')} exists (set VK_ICD_FILENAMES to the driver's ICD file)`,
    );
  ensureLoader();
  // Both variable names: older loaders read VK_ICD_FILENAMES, newer ones VK_DRIVER_FILES.
  const env = { ...process.env, VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: icd };
  const adapter = probeAdapter(env);
  console.log(`bench:gpu: adapter ${adapter.name} (ICD ${icd})`);
  mkdirSync(OUT, { recursive: true });
  const nodeOut = join(OUT, 'node-webgpu.json');
  const browserOut = join(OUT, 'chromium-webgpu.json');

  const tsx = 'node_modules/.bin/tsx';
  console.log(`\n== Node: webgpu through Dawn (${ONLY}) ==`);
  const nodeErr = run(tsx, ['scripts/bench/node.ts', '--backend', 'webgpu', '--out', nodeOut], {
    env: { ...env, BENCH_ONLY: ONLY, BENCH_BUDGET_S: process.env.BENCH_BUDGET_S ?? '20' },
    timeoutMs: Math.min(left() * 0.5, 4 * 60_000),
  });
  if (nodeErr) console.error(`bench:gpu: the Node benchmark ${nodeErr}`);

  let browserNote = '';
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (process.env.GPU_BENCH_SKIP_BROWSER) browserNote = 'skipped (GPU_BENCH_SKIP_BROWSER)';
  else if (!existsSync(chromium)) browserNote = `skipped: no Chromium at ${chromium} (set CHROMIUM_PATH)`;
  else {
    console.log(`\n== Chromium (headless, GPU): vite build, then the bench page ==`);
    const buildErr = run('node_modules/.bin/vite', ['build', '--logLevel', 'warn'], {
      env,
      timeoutMs: Math.min(left() * 0.4, 90_000),
    });
    if (buildErr) browserNote = `vite build ${buildErr}`;
    else {
      // Hardware Vulkan for WebGPU (Dawn) and for ANGLE, never the blocklist's software fallback.
      const gpuArgs = [
        '--use-vulkan',
        '--use-angle=vulkan',
        '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
        '--ignore-gpu-blocklist',
        '--disable-vulkan-surface',
        '--disable-software-rasterizer',
      ].join(' ');
      const err = run(tsx, ['scripts/bench/browser.ts'], {
        env: {
          ...env,
          CHROMIUM_PATH: chromium,
          BENCH_BACKENDS: 'webgpu',
          BENCH_ONLY: ONLY,
          BENCH_RECORDS_OUT: browserOut,
          BENCH_BUDGET_S: process.env.BENCH_BUDGET_S ?? '20',
          BENCH_CHROMIUM_ARGS: gpuArgs,
        },
        timeoutMs: left(),
      });
      if (err) browserNote = `the browser benchmark ${err}`;
    }
  }

  const all = [...records(nodeOut), ...records(browserOut)];
  console.log(`\nbench:gpu on ${adapter.name}, ${((Date.now() - T0) / 1000).toFixed(0)} s`);
  for (const d of new Set(all.map((r) => `${r.runtime}: ${r.device}`))) console.log(`  ${d}`);
  console.log(`\n${table(all)}\n`);
  if (browserNote) console.log(`Chromium: ${browserNote}`);
  console.log(`records: ${nodeOut}${existsSync(browserOut) ? `, ${browserOut}` : ''}`);
  if (all.length === 0) process.exit(1);
}

main();
