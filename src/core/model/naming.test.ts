// What a user's model is called: its folder, its own file name, the stem its shards share, the
// name in its topology; never 'model' when anything better is known.
import { describe, expect, it } from 'vitest';
import { modelBaseName, shardStem, topologyName } from './io-files';

describe('model names', () => {
  it('prefers the folder of a generic model.json, then the json file name', () => {
    expect(modelBaseName('mobilenet_v2/model.json')).toBe('mobilenet_v2');
    expect(modelBaseName('emotion.json', undefined, { shards: ['emotion.weights.bin'] })).toBe('emotion');
    expect(modelBaseName('model.json', ' mine ')).toBe('mine');
  });

  it('falls back to the shards, then the topology, then the file stem', () => {
    expect(modelBaseName('model.json', undefined, { shards: ['emotion.weights.bin'] })).toBe('emotion');
    expect(
      modelBaseName('model.json', undefined, {
        shards: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        topology: { class_name: 'Sequential', config: { name: 'digits_cnn' } },
      }),
    ).toBe('digits_cnn');
    expect(
      modelBaseName('model.json', undefined, {
        shards: ['group1-shard1of1.bin'],
        topology: { class_name: 'Sequential', config: { name: 'sequential_3' } },
      }),
    ).toBe('model');
    expect(
      modelBaseName('web_model/model.json', undefined, {
        topology: { model_config: { class_name: 'Functional', config: { name: 'resnet_tiny' } } },
      }),
    ).toBe('resnet_tiny');
  });

  it('shardStem and topologyName ignore converter and Keras defaults', () => {
    expect(shardStem(['face-shard1of3.bin', 'face-shard2of3.bin', 'face-shard3of3.bin'])).toBe('face');
    expect(shardStem(['group1-shard1of2.bin', 'group1-shard2of2.bin'])).toBeUndefined();
    expect(shardStem(['weights.bin'])).toBeUndefined();
    expect(shardStem([])).toBeUndefined();
    expect(topologyName({ config: { name: 'model' } })).toBeUndefined();
    expect(topologyName({ config: { name: 'functional_1' } })).toBeUndefined();
    expect(topologyName({ config: { name: 'lenet' } })).toBe('lenet');
  });
});
