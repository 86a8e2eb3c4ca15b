import { parseArgs } from 'node:util';
import {
  DEFAULT_CASCADE,
  DEFAULT_TRAIN_SETTINGS,
  METHOD_KEYS,
  METHODS,
  SippError,
  type DistillMode,
  type OptimizerKind,
  type ScheduleKind,
  type TrainSettings,
} from '../core';
import {
  parseMethod,
  parseSparsity,
  parseLimits,
  parseStructured,
  parseWeightFormat,
  runPrune,
  runSensitivities,
  runSweep,
  type CommonArgs,
} from './commands';
import { explainOutOfMemory } from '../core/memory/chunks';
import { progressPrinter } from './progress';
import { printReport } from './report';
import { runClassReport } from './report-cmd';
import { runCascade, runFinetune, runLottery, type RetrainArgs } from './retrain';

/** Width of the method-key column of --help: the longest key (filter-uniform) and one space. */
const METHOD_COLUMN = Math.max(...METHOD_KEYS.map((k) => k.length)) + 1;

const HELP = `sipp-studio: prune TensorFlow.js layers models with SiPP, headless.

Usage:
  sipp-studio prune --model <model.json> --batch <file> --sparsity <0..1> --method <method> --out <dir>
                    [--points N] [--seed N] [--propagate] [--quantize float16|uint8|uint16] [--slim]
                    [--structured <method>:<0..1>] [--exclude L1,L2] [--max-layer-sparsity L=0.8,...] [--json]
  sipp-studio sweep --model <model.json> --batch <file> --methods sipp,wt,snip --sparsities 0.5,0.8,0.9
                    [--points N] [--seed N] [--json]
  sipp-studio sensitivities --model <model.json> --batch <file> --out <file.npz> [--points N] [--reduction mean|max]
  sipp-studio report --model <model.json> --batch <file> --pruned <pruned/model.json> [--points N] [--html FILE] [--json]
  sipp-studio finetune --model <model.json> --batch <file> (--train <file> | --split F) --sparsity <0..1>
                    [--method M] [--out <dir>] [training options] [--json]
  sipp-studio cascade  --model <model.json> --batch <file> (--train <file> | --split F)
                    [--sparsities ${DEFAULT_CASCADE.join(',')}] [--method M] [--out <dir>] [training options] [--json]
  sipp-studio lottery  --model <model.json> --batch <file> (--train <file> | --split F) --init <init/model.json>
                    --sparsity <0..1> [--method M] [--out <dir>] [training options] [--json]

Common options:
  --batch <file>       .npz (x, optional y), .npy (inputs only), x.npy,y.npy (comma-separated pair) or .json
  --points N           the FIRST N samples of the batch compute sensitivities; the remaining samples evaluate.
                       Default: |S| = ceil(3 ln(8 eta* eta / 1e-16)) of the paper's code (152 for LeNet-300-100),
                       capped at half the batch.
  --seed N             seed of the sampling-based methods (default 0): the same seed repeats a run
  --backend B          wasm (default; fastest in Node), cpu, or webgpu (through the 'webgpu' package: Dawn)
  --kernel K           auto (default: fused/loop kernels) or plain (reference tfjs ops) for sensitivities
  --scale-uint8        divide uint8 inputs by 255 (never done silently)
  --json               print exactly one JSON object on stdout and nothing else
  --slim               prune: write the physically smaller model: every channel that all its readers see as
                       zero is removed with its kernel slices, bias and BN entries (model inputs/outputs
                       and spaces crossing unsupported layers stay). Same predictions as the zeroed model.
                       --json adds slim {paramsBefore, paramsAfter, layers}, macs {dense, pruned} per
                       sample and latencyMs {dense, pruned}: median of 5 predicts of 64 samples after 2
                       warm-ups on this backend, dense and slim in alternation
  --structured M:S     prune: first remove whole channels with the structured method M (pfp, pfp-rand,
                       pfp-top, filter-norm, softnet, filter-uniform) to sparsity S, then prune single
                       weights of what remains with --method (scores recomputed on the structured
                       network) to --sparsity IN ALL, relative to the dense model (so --sparsity >= S).
                       E.g. --method sipp --sparsity 0.9 --structured pfp:0.5. --json adds structured
                       {method, targetSparsity, achievedSparsity, accuracy, agreement}: the channel step
                       alone; the top-level numbers are both steps. Works with --slim and --quantize
  --exclude L1,L2      prune, sweep, finetune, cascade, lottery: leave these layers (names as in the
                       model; nested: outer/inner) exactly as trained; the target sparsity is still of the
                       whole model, so the other layers are pruned harder. --json reports limits
  --max-layer-sparsity L=F,...  the same, but layer L may be at most F zero (0 <= F < 1); a structured
                       method gets whole channels back. A target the limits cannot allow is reported
                       (withinTolerance: false, unreachable says why)
  --quantize Q         prune, finetune, cascade, lottery: write the float32 weights as float16 (2 bytes,
                       round to nearest even; beyond ±65504 written as ±65504 and said), uint8 (1 byte) or
                       uint16 (2 bytes, affine per tensor: value = q * scale + min, |error| <= scale / 2),
                       the TF.js converter's format that stock tf.loadLayersModel dequantises; zeros stay
                       exactly zero. Default float32. The report adds accuracyQuantized and
                       agreementQuantized: the written model evaluated with its weights exactly as tfjs
                       dequantises them

Retraining (finetune: prune once, then fine-tune with the pruned weights held at zero; cascade: prune,
retrain, recompute scores on the retrained network, prune further, each step kept; lottery: the pruned
mask trained from --init's initial weights, beside the same mask on a fresh seeded init and a random
mask of the same per-layer sparsity):
  --train <file>       training set, same formats as --batch (uint8 x stays bytes; --scale-uint8 applies)
  --split F            no --train: a seeded (--seed) fraction F of the --batch samples trains, the rest
                       is the batch (sensitivities and evaluation)
  --epochs N           default ${DEFAULT_TRAIN_SETTINGS.epochs}
  --optimizer O        adam (default) or sgd
  --lr X               learning rate (default ${DEFAULT_TRAIN_SETTINGS.lr})
  --batch-size N       minibatch size (default ${DEFAULT_TRAIN_SETTINGS.batchSize})
  --schedule S         constant (default), step (x0.1 at 60 % and 90 % of the epochs) or cosine
  --momentum X         SGD momentum (default ${DEFAULT_TRAIN_SETTINGS.momentum})
  --weight-decay X     L2 weight decay (default ${DEFAULT_TRAIN_SETTINGS.weightDecay})
  --distill D          auto (default: labels when the training set has them, else the dense model's
                       answers), on (labels plus distillation), off (labels only)
  --seed N             also seeds the minibatch order, --split and lottery's controls
  --out <dir>          finetune: the retrained model; cascade: <dir>/sparsity-<percent>/ per step
                       (percent with at most 2 decimals: sparsity-90, sparsity-95.5); lottery:
                       <dir>/ticket/, <dir>/fresh-init/, <dir>/random-mask/. Nothing written without it.

Methods:
${METHOD_KEYS.map((k) => `  ${k.padEnd(METHOD_COLUMN)} ${METHODS[k].summary}`).join('\n')}

Sparsity counts zero entries over ALL parameters (weights, biases, BN scale/offset); only Dense and
Conv2D kernels are pruned, everything else is fixed cost. The budget is searched until the achieved
keep ratio is within 0.5 % of the target, or the nearest achievable is reported (withinTolerance: false).
`;

function intOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new SippError('bad-argument', `--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

function numOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new SippError('bad-argument', `--${name} must be a number, got '${v}'`);
  return n;
}

function required(v: string | undefined, name: string, cmd: string): string {
  if (!v) throw new SippError('missing-argument', `${cmd} needs --${name}; see --help`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      batch: { type: 'string' },
      sparsity: { type: 'string' },
      method: { type: 'string' },
      methods: { type: 'string' },
      sparsities: { type: 'string' },
      out: { type: 'string' },
      points: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      kernel: { type: 'string' },
      reduction: { type: 'string' },
      train: { type: 'string' },
      split: { type: 'string' },
      init: { type: 'string' },
      epochs: { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      schedule: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      distill: { type: 'string' },
      quantize: { type: 'string' },
      structured: { type: 'string' },
      exclude: { type: 'string' },
      'max-layer-sparsity': { type: 'string' },
      pruned: { type: 'string' },
      html: { type: 'string' },
      propagate: { type: 'boolean' },
      slim: { type: 'boolean' },
      'scale-uint8': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const cmd = positionals[0];
  if (values.help || !cmd) {
    process.stderr.write(HELP);
    return values.help ? 0 : 2;
  }
  const json = !!values.json;
  const backend = (values.backend ?? 'wasm') as CommonArgs['backend'];
  if (!['wasm', 'cpu', 'webgpu'].includes(backend))
    throw new SippError('bad-argument', `--backend must be wasm, cpu or webgpu, got '${backend}'`);
  const kernel = (values.kernel ?? 'auto') as CommonArgs['kernel'];
  if (!['auto', 'plain'].includes(kernel))
    throw new SippError('bad-argument', `--kernel must be auto or plain, got '${kernel}'`);
  // Without --json, stderr gets progress (a terminal: a live line) and, for a long stage, its estimate.
  const quantize = parseWeightFormat(values.quantize ?? 'float32');
  const showProgress = !json;
  const hint = (stage: string) =>
    // A combined prune names its stages 'sensitivities (structured pfp)' and so on.
    ['sensitivities', 'snip'].includes(stage.split(' ')[0])
      ? 'Ctrl-C and a smaller --points make it faster'
      : stage.startsWith('train')
        ? 'Ctrl-C and fewer --epochs or a smaller training set make it faster'
        : null;
  const common: CommonArgs = {
    model: required(values.model, 'model', cmd),
    batch: required(values.batch, 'batch', cmd),
    points: intOpt(values.points, 'points'),
    seed: intOpt(values.seed, 'seed') ?? 0,
    backend,
    kernel,
    scaleUint8: !!values['scale-uint8'],
    onProgress: showProgress
      ? progressPrinter((t) => process.stderr.write(t), { tty: !!process.stderr.isTTY, hint })
      : undefined,
    info: showProgress ? (line: string) => process.stderr.write(`${line}\n`) : undefined,
    limits: parseLimits(values.exclude, values['max-layer-sparsity']),
  };
  if (common.limits && !['prune', 'sweep', 'finetune', 'cascade', 'lottery'].includes(cmd))
    throw new SippError(
      'bad-argument',
      `--exclude and --max-layer-sparsity are options of prune, sweep, finetune, cascade and lottery, not of ${cmd}`,
    );
  let result: Record<string, unknown>;
  const retrain = (): RetrainArgs => {
    const split = numOpt(values.split, 'split');
    if (split !== undefined && !(split > 0 && split < 1))
      throw new SippError(
        'bad-argument',
        `--split is the training fraction of the batch, strictly between 0 and 1; got '${values.split}'`,
      );
    const settings: Partial<TrainSettings> = {
      epochs: intOpt(values.epochs, 'epochs'),
      batchSize: intOpt(values['batch-size'], 'batch-size'),
      optimizer: values.optimizer as OptimizerKind | undefined,
      lr: numOpt(values.lr, 'lr'),
      momentum: numOpt(values.momentum, 'momentum'),
      weightDecay: numOpt(values['weight-decay'], 'weight-decay'),
      schedule: values.schedule as ScheduleKind | undefined,
      distill: values.distill as DistillMode | undefined,
      seed: common.seed,
    };
    return {
      ...common,
      method: parseMethod(values.method ?? 'sipp'),
      train: values.train,
      split,
      settings,
      out: values.out,
      quantize,
      log: json
        ? undefined
        : (line: string) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${line}\n`),
    };
  };
  if (values.structured !== undefined && cmd !== 'prune')
    throw new SippError('bad-argument', `--structured is an option of prune, not of ${cmd}`);
  if (cmd === 'prune') {
    result = await runPrune({
      ...common,
      method: parseMethod(values.method ?? 'sipp'),
      sparsity: parseSparsity(required(values.sparsity, 'sparsity', cmd)),
      out: required(values.out, 'out', cmd),
      propagate: !!values.propagate,
      quantize,
      slim: !!values.slim,
      structured: values.structured === undefined ? undefined : parseStructured(values.structured),
    });
  } else if (cmd === 'sweep') {
    const methods = (values.methods ?? 'sipp,sipp-det,wt,snip,random')
      .split(',')
      .filter(Boolean)
      .map(parseMethod);
    const sparsities = (values.sparsities ?? '0.5,0.7,0.8,0.9,0.95,0.98').split(',').map(parseSparsity);
    result = await runSweep({ ...common, methods, sparsities });
  } else if (cmd === 'sensitivities') {
    const reduction = values.reduction ?? 'max';
    if (reduction !== 'mean' && reduction !== 'max')
      throw new SippError('bad-argument', `--reduction must be mean or max, got '${reduction}'`);
    result = await runSensitivities({ ...common, out: required(values.out, 'out', cmd), reduction });
  } else if (cmd === 'report') {
    result = await runClassReport({
      ...common,
      pruned: required(values.pruned, 'pruned', cmd),
      html: values.html,
    });
  } else if (cmd === 'finetune') {
    result = await runFinetune({
      ...retrain(),
      sparsity: parseSparsity(required(values.sparsity, 'sparsity', cmd)),
    });
  } else if (cmd === 'cascade') {
    const sparsities = values.sparsities
      ? values.sparsities.split(',').map(parseSparsity)
      : [...DEFAULT_CASCADE];
    result = await runCascade({ ...retrain(), sparsities });
  } else if (cmd === 'lottery') {
    result = await runLottery({
      ...retrain(),
      sparsity: parseSparsity(required(values.sparsity, 'sparsity', cmd)),
      init: required(values.init, 'init', cmd),
    });
  } else {
    throw new SippError(
      'unknown-command',
      `unknown command '${cmd}'; use prune, sweep, sensitivities, finetune, cascade or lottery (see --help)`,
    );
  }
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else printReport(result);
  return 0;
}

// Keep stdout for the result alone: tfjs and its backends print banners and warnings via console.
const realLog = console.log.bind(console);
console.log =
  console.info =
  console.warn =
    (...a: unknown[]) => process.stderr.write(a.map(String).join(' ') + '\n');

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (raw: unknown) => {
    // Whatever ran out of memory (a wasm trap, a failed allocation): say so, and what to change.
    const e = explainOutOfMemory(
      raw,
      'The command',
      'Use fewer sensitivity points (--points), a batch with fewer or smaller samples, or a smaller --batch-size.',
    );
    const err = e instanceof SippError ? e : null;
    const message = e instanceof Error ? e.message : String(e);
    if (argv.includes('--json'))
      process.stdout.write(JSON.stringify({ error: { code: err?.code ?? 'internal', message } }) + '\n');
    process.stderr.write(`error${err ? ` [${err.code}]` : ''}: ${message}\n`);
    if (!err && e instanceof Error && e.stack && process.env.SIPP_DEBUG) realLog(e.stack);
    process.exit(err ? 1 : 3);
  },
);
