// Malformed model.json files, shards and weight manifests, each with the error code the loader must give.
import { bytes, enc, err, json, weightOffset, type Ctx, type Obj } from './derive-util';

export function fileCases(ctx: Ctx): void {
  const { variants, base, shard, j, withJson, add } = ctx;
  // --- model.json that is not JSON, or not a model ---
  const text = new TextDecoder().decode(base.files[0].data);
  add('json-truncated', 'download cut off half way', err('model-json-malformed', 'truncated'), [
    { name: 'model.json', data: enc(text.slice(0, Math.floor(text.length / 2))) },
    shard,
  ]);
  {
    // Pretty-printed, one comma removed: the message must point at the next token's line and column.
    const pretty = JSON.stringify(base.json, null, 2);
    const at = pretty.indexOf(',\n', pretty.indexOf('"layers"'));
    const broken = pretty.slice(0, at) + pretty.slice(at + 1);
    const next = at + broken.slice(at).search(/\S/);
    const line = broken.slice(0, next).split('\n').length;
    const column = next - broken.lastIndexOf('\n', next - 1);
    add(
      'json-missing-comma',
      'hand edit dropped a comma',
      err('model-json-malformed', `line ${line}, column ${column}`),
      [{ name: 'model.json', data: enc(broken) }, shard],
    );
  }
  add('json-trailing-garbage', 'two edits pasted together', err('model-json-malformed', 'end of the file'), [
    { name: 'model.json', data: enc(text + '\n}}') },
    shard,
  ]);
  add('json-single-quotes', 'Python repr instead of JSON', err('model-json-malformed', 'line 1'), [
    { name: 'model.json', data: enc(text.replace('"format"', "'format'")) },
    shard,
  ]);
  add('empty-model-json', 'zero-byte model.json', err('empty-file', 'model.json'), [
    { name: 'model.json', data: new Uint8Array(0) },
    shard,
  ]);
  add('whitespace-model-json', 'model.json with only blanks', err('empty-file'), [
    { name: 'model.json', data: enc('  \n\n\t ') },
    shard,
  ]);
  add('binary-garbage', 'random bytes named model.json', err('not-a-model', 'binary'), [
    { name: 'model.json', data: bytes(2048, 'garbage') },
    shard,
  ]);
  add('hdf5-named-json', 'a Keras .h5 renamed to model.json', err('not-a-model', 'HDF5'), [
    { name: 'model.json', data: bytes(4096, 'h5', [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) },
  ]);
  add('keras-h5-file', 'only a .h5 file', err('not-a-model', 'tensorflowjs_converter'), [
    { name: 'weights.h5', data: bytes(4096, 'h5b', [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) },
  ]);
  add('package-json', 'some other JSON file', err('not-a-model', 'modelTopology'), [
    { name: 'model.json', data: json({ name: 'my-app', version: '1.0.0', dependencies: {} }) },
  ]);
  add('json-array', 'JSON, but an array', err('not-a-model', 'array'), [
    { name: 'model.json', data: json([1, 2, 3]) },
  ]);
  add('only-shards', 'the .bin without its model.json', err('not-a-model', 'No .json'), [shard]);
  add('weights-only-json', 'a weights manifest without topology', err('not-a-model', 'weightsManifest'), [
    { name: 'model.json', data: json({ weightsManifest: base.json.weightsManifest }) },
    shard,
  ]);
  {
    const g = {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.17.0',
    };
    const topo = {
      node: [
        {
          name: 'x',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '8' }] } } },
        },
        { name: 'StatefulPartitionedCall/sequential/dense/MatMul', op: 'MatMul', input: ['x', 'w'] },
      ],
      library: {},
      versions: { producer: 1645 },
    };
    const manifest = [
      { paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [8, 12], dtype: 'float32' }] },
    ];
    const signature = { inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT' } }, outputs: {} };
    add(
      'graph-model',
      'tensorflowjs_converter output of a SavedModel',
      err('graph-model', 'Re-export'),
      withJson(
        { ...g, signature, modelTopology: topo, weightsManifest: manifest },
        { name: 'group1-shard1of1.bin', data: new Uint8Array(384) },
      ),
    );
    add(
      'graph-model-no-format',
      'graph model without the format field (old converter)',
      err('graph-model'),
      withJson(
        { modelTopology: topo, weightsManifest: manifest },
        { name: 'group1-shard1of1.bin', data: new Uint8Array(384) },
      ),
    );
  }
  {
    const o = j();
    delete o.weightsManifest;
    add('no-weights-manifest', 'topology only', err('no-weights'), withJson(o));
  }

  // --- shards ---
  add('missing-shard', 'model.json without its .bin', err('missing-shard', 'group1-shard1of1.bin'), [
    base.files[0],
  ]);
  {
    const multi = variants['cnn/keras3-multishard'];
    add(
      'missing-one-of-three-shards',
      'second of three shards not selected',
      err('missing-shard', 'group1-shard2of3.bin'),
      [multi.files[0], multi.files[1], multi.files[3]],
    );
  }
  add('short-shard', 'truncated .bin', err('shard-size', `expected ${shard.data.byteLength} bytes`), [
    base.files[0],
    { name: shard.name, data: shard.data.slice(0, shard.data.byteLength - 12) },
  ]);
  add('long-shard', '.bin with bytes appended', err('shard-size', `got ${shard.data.byteLength + 8}`), [
    base.files[0],
    { name: shard.name, data: new Uint8Array([...shard.data, 1, 2, 3, 4, 5, 6, 7, 8]) },
  ]);
  add('empty-shard', 'zero-byte .bin', err('shard-size', 'got 0'), [
    base.files[0],
    { name: shard.name, data: new Uint8Array(0) },
  ]);
  add(
    'shard-renamed',
    'the .bin renamed by the browser (copy suffix)',
    err('missing-shard', 'group1-shard1of1 (1).bin'),
    [base.files[0], { name: 'group1-shard1of1 (1).bin', data: shard.data }],
  );

  // --- manifest ---
  {
    const o = j();
    o.weightsManifest[0].weights[0].shape = [12, 8];
    add(
      'manifest-transposed-shape',
      'kernel shape transposed (same byte count)',
      err('weights-mismatch', '[12,8]'),
      withJson(o),
    );
  }
  {
    const o = j();
    const { offset, count } = weightOffset(o.weightsManifest, 'sequential/dense_1/bias');
    o.weightsManifest[0].weights = o.weightsManifest[0].weights.filter(
      (w: Obj) => w.name !== 'sequential/dense_1/bias',
    );
    const data = new Uint8Array([...shard.data.slice(0, offset), ...shard.data.slice(offset + 4 * count)]);
    add(
      'manifest-missing-weight',
      'a bias missing from manifest and shard',
      err('weights-mismatch', 'missing weight'),
      withJson(o, { name: shard.name, data }),
    );
  }
  {
    const o = j();
    o.weightsManifest[0].weights.push({ name: 'sequential/dense_9/kernel', shape: [3, 3], dtype: 'float32' });
    const data = new Uint8Array([...shard.data, ...new Uint8Array(36)]);
    add(
      'manifest-extra-weight',
      'a weight for a layer the model lacks',
      err('weights-mismatch', 'dense_9'),
      withJson(o, { name: shard.name, data }),
    );
  }
  {
    const o = j();
    o.weightsManifest[0].weights[0].dtype = 'int32';
    add(
      'manifest-int32-kernel',
      'float kernel declared int32 (same size)',
      err('weights-mismatch', 'int32'),
      withJson(o),
    );
  }
  {
    const o = j();
    o.weightsManifest = o.weightsManifest[0];
    add('manifest-not-list', 'weightsManifest is an object', err('manifest-invalid', 'list'), withJson(o));
  }
  {
    const o = j();
    o.weightsManifest[0].weights[1].dtype = 'float64';
    add('manifest-float64', 'unsupported dtype', err('manifest-invalid', 'float64'), withJson(o));
  }
  {
    const o = j();
    o.weightsManifest[0].weights[2].name = o.weightsManifest[0].weights[0].name;
    add(
      'manifest-duplicate-names',
      'two weights with one name',
      err('manifest-invalid', 'more than once'),
      withJson(o),
    );
  }
  {
    const o = j();
    o.weightsManifest[0].weights[0].shape = [-1, 12];
    add('manifest-negative-dim', 'shape with -1', err('manifest-invalid', 'shape'), withJson(o));
  }
  {
    const o = j();
    o.weightsManifest[0].weights[0].quantization = { dtype: 'int4', min: 0, scale: 1 };
    add(
      'manifest-unknown-quantization',
      'quantization dtype int4',
      err('manifest-invalid', 'int4'),
      withJson(o),
    );
  }
  {
    const o = j();
    o.weightsManifest[0].weights[0].quantization = { dtype: 'uint8' };
    add(
      'manifest-uint8-without-scale',
      'uint8 quantisation lacking min/scale',
      err('manifest-invalid', 'scale'),
      withJson(o),
    );
  }
  {
    const o = j();
    o.weightsManifest[0].paths = [];
    add(
      'manifest-no-paths',
      'a group with weights but no shard files',
      err('manifest-invalid', 'paths'),
      withJson(o),
    );
  }
}
