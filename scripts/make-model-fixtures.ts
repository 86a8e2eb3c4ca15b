// Builds the model fixtures and the regression table in src/core/model/fixtures/.
// Run: npx tsx scripts/make-model-fixtures.ts
//
// Each small model is built with tfjs (seeded weights), its outputs on a seeded input are saved as
// the reference, and it is written in each real-world dialect: tfjs-native, Keras 2 through the
// old converter, tf.keras 2.15 through converter 4.1x, Keras 3 through converter 4.22; plus
// quantised and multi-shard variants. Malformed cases are derived from these (derived.ts); rows
// about weight order and about prunable layer kinds come from manifest-order.ts and layer-kinds.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { WeightSpec } from '../src/core/model/quantization';
import { kerasTopology, VERSIONS, weightName, type Dialect } from './model-fixtures/dialects';
import { derivedCases } from './model-fixtures/derived';
import { layerKindCases } from './model-fixtures/layer-kinds';
import { manifestOrderCases } from './model-fixtures/manifest-order';
import {
  encodeWeights,
  json,
  leafWeights,
  referenceFromBytes,
  split,
  tfjsArtifacts,
  type Quant,
} from './model-fixtures/encode';
import { buildModel, seededInput, seededWeights, SPECS } from './model-fixtures/specs';
import type { Case, FixtureFile, Variant } from './model-fixtures/types';

const OUT = 'src/core/model/fixtures';
const N_SAMPLES = 4;

function writeVariant(dir: string, files: FixtureFile[]): string[] {
  fs.mkdirSync(path.join(OUT, dir), { recursive: true });
  return files.map((f) => {
    const rel = `${dir}/${f.name}`;
    fs.mkdirSync(path.dirname(path.join(OUT, rel)), { recursive: true });
    fs.writeFileSync(path.join(OUT, rel), f.data);
    return rel;
  });
}

async function main() {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend unavailable');
  fs.rmSync(OUT, { recursive: true, force: true });
  const cases: Case[] = [];
  const variants: Record<string, Variant> = {};

  for (const [id, spec] of Object.entries(SPECS)) {
    const model = buildModel(spec);
    const values = seededWeights(model, id);
    model.setWeights(values.map((v, i) => tf.tensor(v, model.weights[i].shape as number[])));
    const inShape = (model.inputs[0].shape as number[]).slice(1);
    const xValues = seededInput([N_SAMPLES, ...inShape], `${id}-input`);
    const x = tf.tensor(xValues, [N_SAMPLES, ...inShape]);
    const y = model.predict(x) as tf.Tensor;
    const outputShape = model.outputs[0].shape;
    const reference = `good/${id}/reference.json`;
    const writeRef = (rel: string, output: number[]) => {
      fs.mkdirSync(path.dirname(path.join(OUT, rel)), { recursive: true });
      fs.writeFileSync(
        path.join(OUT, rel),
        JSON.stringify({
          inputShape: [N_SAMPLES, ...inShape],
          input: Array.from(xValues),
          outputShape: y.shape,
          output,
        }),
      );
    };
    writeRef(reference, Array.from(y.dataSync()));
    const weights = leafWeights(model);
    const kerasLayerCount = (d: Dialect) =>
      spec.kind === 'functional' ? spec.nodes.length + 1 : spec.layers.length + (d === 'keras2-old' ? 0 : 1);
    const ok = (layers: number, ref = reference) => ({
      ok: true as const,
      layers,
      outputShape,
      reference: ref,
    });

    // tfjs-native: what model.save() writes (weights path './model.weights.bin' as in downloads://).
    const art = await tfjsArtifacts(model);
    const tfjsJson = {
      modelTopology: art.modelTopology,
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      weightsManifest: [{ paths: ['./model.weights.bin'], weights: art.weightSpecs }],
    };
    const tfjsFiles = [
      { name: 'model.json', data: json(tfjsJson) },
      { name: 'model.weights.bin', data: new Uint8Array(art.weightData as ArrayBuffer) },
    ];
    variants[`${id}/tfjs`] = { spec, json: tfjsJson, files: tfjsFiles, expect: ok(model.layers.length) };
    cases.push({
      id: `${id}/tfjs`,
      why: 'tfjs-native artifacts as model.save() writes them',
      files: writeVariant(`good/${id}/tfjs`, tfjsFiles),
      expect: ok(model.layers.length),
    });

    for (const d of ['keras2-old', 'keras2-new', 'keras3'] as Dialect[]) {
      const legacyList = d === 'keras2-old' && id === 'mlp';
      const topology = kerasTopology(spec, model, d, legacyList ? { legacyList, kerasVersion: '2.1.6' } : {});
      const named = weights.map((w) => ({ name: weightName(spec, w.ancestors, w.layer, w.short, d), w }));
      let manifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
      let shards: FixtureFile[];
      if (d === 'keras2-old') {
        // The 0.x/1.x converter wrote one group per layer, with extension-less shard names.
        const layers = [...new Set(named.map((n) => n.w.layer))];
        manifest = [];
        shards = [];
        layers.forEach((layer, g) => {
          const enc = encodeWeights(named.filter((n) => n.w.layer === layer));
          const shard = `group${g + 1}-shard1of1`;
          manifest.push({ paths: [shard], weights: enc.specs });
          shards.push({ name: shard, data: enc.data });
        });
      } else {
        const enc = encodeWeights(named);
        manifest = [{ paths: ['group1-shard1of1.bin'], weights: enc.specs }];
        shards = [{ name: 'group1-shard1of1.bin', data: enc.data }];
      }
      const header = legacyList
        ? {} // Keras 2.1 era converter output had no format/generatedBy fields
        : {
            format: 'layers-model',
            generatedBy: `keras v${VERSIONS[d].keras}`,
            convertedBy: VERSIONS[d].converter,
          };
      const modelJson = { ...header, modelTopology: topology, weightsManifest: manifest };
      const files = [{ name: 'model.json', data: json(modelJson) }, ...shards];
      variants[`${id}/${d}`] = { spec, json: modelJson, files, expect: ok(kerasLayerCount(d)) };
      cases.push({
        id: `${id}/${d}`,
        why: {
          'keras2-old': legacyList
            ? 'Keras 2.1.6 + converter 0.x: model_config wrapper, Sequential config as a bare list, one group per layer, shards without .bin'
            : 'Keras 2.2.4 + converter 1.x: model_config wrapper, first layer carries batch_input_shape, one group per layer',
          'keras2-new':
            'tf.keras 2.15 + converter 4.17: module/registered_name/build_config, InputLayer listed, BN axis as a list, L2 regularizer class',
          keras3:
            'Keras 3.10 + converter 4.22: batch_shape, DTypePolicy objects, prefixed weight names, new inbound_nodes, silu',
        }[d],
        files: writeVariant(`good/${id}/${d}`, files),
        expect: ok(kerasLayerCount(d)),
      });
    }

    // Quantised variants (the converter's --quantize_uint8/uint16/float16), each with its own reference.
    const quantPlan: Array<[Dialect, Quant, string, ((n: string) => boolean) | undefined]> = [];
    if (id === 'mlp') quantPlan.push(['keras2-new', 'uint8', 'keras2-new-uint8', undefined]);
    if (id === 'mlp-input')
      quantPlan.push(['keras3', 'uint8', 'keras3-uint8-kernels', (n) => n.endsWith('kernel')]);
    if (id === 'cnn') quantPlan.push(['keras3', 'uint16', 'keras3-uint16', undefined]);
    if (id === 'functional') quantPlan.push(['keras3', 'float16', 'keras3-float16', undefined]);
    if (id === 'nested') quantPlan.push(['keras2-new', 'float16', 'keras2-new-float16', undefined]);
    for (const [d, q, name, which] of quantPlan) {
      const base = variants[`${id}/${d}`].json as { weightsManifest: unknown };
      const named = weights.map((w) => ({ name: weightName(spec, w.ancestors, w.layer, w.short, d), w }));
      const enc = encodeWeights(named, q, which);
      const modelJson = {
        ...base,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: enc.specs }],
      };
      const files = [
        { name: 'model.json', data: json(modelJson) },
        { name: 'group1-shard1of1.bin', data: enc.data },
      ];
      const ref = `good/${id}/reference-${name}.json`;
      writeRef(ref, referenceFromBytes(spec, enc.specs, enc.data, x));
      cases.push({
        id: `${id}/${name}`,
        why: `${q} quantised weights${which ? ' (kernels only)' : ''}, dequantised on load`,
        files: writeVariant(`good/${id}/${name}`, files),
        expect: { ...ok(kerasLayerCount(d), ref), notice: `(${q})` },
      });
    }

    if (id === 'cnn') {
      // Several shards, given out of order; manifest paths with folders and './'.
      const enc = encodeWeights(
        weights.map((w) => ({ name: weightName(spec, w.ancestors, w.layer, w.short, 'keras3'), w })),
      );
      const shards = split(enc.data, 3);
      const base = variants['cnn/keras3'].json as object;
      const modelJson = {
        ...base,
        weightsManifest: [
          {
            paths: shards.map((s, i) => (i === 1 ? `./${s.name}` : i === 2 ? `weights/${s.name}` : s.name)),
            weights: enc.specs,
          },
        ],
      };
      const files = [{ name: 'model.json', data: json(modelJson) }, ...shards];
      variants['cnn/keras3-multishard'] = {
        spec,
        json: modelJson,
        files,
        expect: ok(kerasLayerCount('keras3')),
      };
      const written = writeVariant('good/cnn/keras3-multishard', files);
      cases.push({
        id: 'cnn/keras3-multishard',
        why: 'three shards given in reverse order; manifest paths with ./ and a folder',
        files: written.reverse(),
        expect: ok(kerasLayerCount('keras3')),
      });
    }

    if (id === 'mlp') {
      // tfjs-native with tfjs's automatic layer names (dense_Dense1, ...), from a second build.
      const auto = buildModel(spec, true);
      auto.setWeights(values.map((v, i) => tf.tensor(v, auto.weights[i].shape as number[])));
      const a = await tfjsArtifacts(auto);
      const files = [
        {
          name: 'model.json',
          data: json({
            modelTopology: a.modelTopology,
            format: 'layers-model',
            generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
            convertedBy: null,
            weightsManifest: [{ paths: ['./model.weights.bin'], weights: a.weightSpecs }],
          }),
        },
        { name: 'model.weights.bin', data: new Uint8Array(a.weightData as ArrayBuffer) },
      ];
      cases.push({
        id: 'mlp/tfjs-autonames',
        why: 'tfjs automatic layer names (dense_Dense1, ...)',
        files: writeVariant('good/mlp/tfjs-autonames', files),
        expect: ok(auto.layers.length),
      });
      auto.dispose();
    }
    tf.dispose([x, y]);
    model.dispose();
  }

  for (const c of derivedCases(variants)) {
    const dir = `${'error' in c.expect ? 'bad' : 'edge'}/${c.id}`;
    cases.push({ id: dir, why: c.why, files: writeVariant(dir, c.files), expect: c.expect });
  }
  // Appended after every older row so that those stay byte-identical.
  const io = { out: OUT, samples: N_SAMPLES, write: writeVariant };
  cases.push(...(await manifestOrderCases(variants, io)));
  // Prunable layer kinds in every dialect, with the pruning outcome expected (issue 9, item 5).
  cases.push(...(await layerKindCases(variants, io)));
  fs.writeFileSync(path.join(OUT, 'cases.json'), JSON.stringify(cases, null, 1) + '\n');
  const total = fs
    .readdirSync(OUT, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((s, e) => s + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
  console.log(`${cases.length} cases, ${(total / 1024).toFixed(0)} KiB in ${OUT}`);
}

await main();
