// Malformed weights and topologies, and file sets (some valid) derived from the good variants.
import { enc, err, json, weightOffset, context, type DerivedCase, type Obj } from './derive-util';
import { fileCases } from './derive-files';
import type { Expect, Variant } from './types';

export function derivedCases(variants: Record<string, Variant>): DerivedCase[] {
  const ctx = context(variants);
  fileCases(ctx);
  const { base, shard, j, withJson, layers, add } = ctx;
  // --- weight values ---
  for (const [id, value, n, msg] of [
    ['nan-weights', NaN, 3, '3 NaN'],
    ['inf-weights', Infinity, 2, '2 Inf'],
  ] as const) {
    const data = shard.data.slice();
    const { offset } = weightOffset(base.json.weightsManifest as Obj[], 'sequential/dense_1/kernel');
    const f = new Float32Array(data.buffer, offset, n);
    f.fill(value);
    add(id, `${msg} values in a kernel (diverged training)`, err('nonfinite-weights', msg), [
      base.files[0],
      { name: shard.name, data },
    ]);
  }

  // --- topology ---
  {
    const o = j();
    const l = layers(o).find((x) => x.class_name === 'Dropout') as Obj;
    Object.assign(l, {
      class_name: 'MyCustomDropout',
      module: null,
      registered_name: 'Custom>MyCustomDropout',
    });
    add(
      'unknown-layer-class',
      'a custom Python layer',
      err('unknown-layer', "'dropout' has class MyCustomDropout"),
      withJson(o),
    );
  }
  {
    const o = structuredClone(variants['mlp/keras2-new'].json) as Obj;
    const ls = layers(o);
    const i = ls.findIndex((x) => x.class_name === 'Dropout');
    ls[i] = {
      module: 'keras.layers',
      class_name: 'Lambda',
      config: {
        name: 'lambda',
        trainable: true,
        dtype: 'float32',
        function: ['4wEAAAAAAAAA', null, null],
        function_type: 'lambda',
        module: '__main__',
        output_shape: null,
        arguments: {},
      },
      registered_name: null,
    };
    add(
      'lambda-layer',
      'a Lambda layer (Python code)',
      err('unknown-layer', 'Lambda'),
      withJson(o, variants['mlp/keras2-new'].files[1]),
    );
  }
  {
    const o = j();
    o.modelTopology.model_config = { class_name: 'Dense', config: { name: 'dense', units: 3 } };
    add(
      'topology-single-layer',
      'modelTopology is a layer, not a model',
      err('topology-invalid', 'Dense'),
      withJson(o),
    );
  }
  {
    const o = j();
    delete o.modelTopology.model_config.config.layers;
    add(
      'sequential-without-layers',
      'Sequential config lacks layers',
      err('topology-invalid', 'layers'),
      withJson(o),
    );
  }
  {
    const v = variants['functional/keras2-new'];
    const o = structuredClone(v.json) as Obj;
    const l = layers(o).find((x) => x.name === 'dense_3') as Obj;
    l.inbound_nodes = [[['nonexistent', 0, 0, {}]]];
    add(
      'dangling-inbound-node',
      'functional layer fed by a layer that does not exist',
      err('topology-invalid'),
      withJson(o, v.files[1]),
    );
  }
  {
    const o = j();
    layers(o)[1].config.units = 13;
    add(
      'topology-units-changed',
      'topology edited after export (units 12 -> 13)',
      err('weights-mismatch', '[8,13]'),
      withJson(o),
    );
  }
  {
    const v = variants['cnn/keras3'];
    const o = structuredClone(v.json) as Obj;
    (layers(o).find((x) => x.class_name === 'Conv2D') as Obj).config.groups = 2;
    add(
      'grouped-conv',
      'Conv2D with groups=2 (not in TF.js)',
      err('unsupported-layer', 'groups=2'),
      withJson(o, v.files[1]),
    );
  }

  // --- file sets ---
  {
    const v = variants['cnn/tfjs'];
    add('two-models', 'two different model.json files at once', err('ambiguous-model-json'), [
      { name: 'a/model.json', data: base.files[0].data },
      { name: 'a/group1-shard1of1.bin', data: shard.data },
      { name: 'b/model.json', data: v.files[0].data },
      { name: 'b/model.weights.bin', data: v.files[1].data },
    ]);
  }
  add(
    'with-labels-and-readme',
    'model with a labels.json and a README beside it',
    { ...(base.expect as Obj), notice: 'README.md' } as Expect,
    [
      {
        name: 'labels.json',
        data: json(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']),
      },
      shard,
      { name: 'README.md', data: enc('# My model\n') },
      base.files[0],
    ],
  );
  add(
    'renamed-model-json',
    'model.json saved under another name',
    { ...(base.expect as Obj), name: 'digits-classifier' } as Expect,
    [{ name: 'digits-classifier.json', data: base.files[0].data }, shard],
  );
  add('bom-crlf', 'model.json re-saved by a Windows editor (BOM, CRLF)', base.expect, [
    { name: 'model.json', data: enc('\ufeff' + JSON.stringify(base.json, null, 2).replace(/\n/g, '\r\n')) },
    shard,
  ]);
  return ctx.cases;
}
