// Helpers shared by the derived (malformed and edge) fixture cases.
import seedrandom from 'seedrandom';
import type { Expect, FixtureFile, Variant } from './types';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface DerivedCase {
  id: string;
  why: string;
  files: FixtureFile[];
  expect: Expect;
}

export const enc = (s: string) => new TextEncoder().encode(s);
export const json = (o: unknown) => enc(JSON.stringify(o));
export const err = (error: string, message?: string): Expect => (message ? { error, message } : { error });

export function bytes(n: number, seed: string, magic: number[] = []): Uint8Array {
  const rng = seedrandom(seed);
  const out = Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
  out.set(magic);
  return out;
}

/** Byte offset of weight `name` in a single-group manifest. */
export function weightOffset(manifest: Obj[], name: string): { offset: number; count: number } {
  let offset = 0;
  for (const w of manifest[0].weights) {
    const count = w.shape.reduce((a: number, b: number) => a * b, 1);
    if (w.name === name) return { offset, count };
    offset += 4 * count;
  }
  throw new Error(`no weight ${name}`);
}

/** The base variant every derived case starts from, and small tools to mutate it. */
export function context(variants: Record<string, Variant>) {
  const base = variants['mlp/keras3'];
  const shard = base.files[1];
  const cases: DerivedCase[] = [];
  return {
    variants,
    base,
    shard,
    cases,
    j: () => structuredClone(base.json) as Obj,
    withJson: (o: unknown, ...rest: FixtureFile[]) => [
      { name: 'model.json', data: json(o) },
      ...(rest.length ? rest : [shard]),
    ],
    layers: (o: Obj) => o.modelTopology.model_config.config.layers as Obj[],
    add: (id: string, why: string, expect: Expect, files: FixtureFile[]) =>
      cases.push({ id, why, expect, files }),
  };
}

export type Ctx = ReturnType<typeof context>;
