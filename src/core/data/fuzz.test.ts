// Every input, however broken, must end in a parsed batch or a SippError: never another exception,
// never a hang. Random bytes (some behind valid magic numbers) and damaged copies of every valid fixture.

import { describe, expect, it } from 'vitest';
import type { NamedBytes } from '../types';
import { SippError } from '../util/errors';
import { parseBatchFiles } from './batch';
import { parseNpy } from './npy';
import { parseTrainingFiles } from './training';
import { expected, fixture } from './test-fixtures';

function rng(seed: number): () => number {
  // mulberry32: small, seeded, good enough to spread test cases.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  parsed: number;
  codes: Map<string, number>;
  slowestMs: number;
}

function attempt(tally: Tally, run: () => unknown, what: () => string): void {
  const start = performance.now();
  try {
    run();
    tally.parsed++;
  } catch (e) {
    if (!(e instanceof SippError)) throw new Error(`${what()}: threw ${String(e)}`, { cause: e });
    tally.codes.set(e.code, (tally.codes.get(e.code) ?? 0) + 1);
  }
  tally.slowestMs = Math.max(tally.slowestMs, performance.now() - start);
}

const newTally = (): Tally => ({ parsed: 0, codes: new Map(), slowestMs: 0 });
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

describe('fuzz', () => {
  it('random bytes, bare or behind a valid magic number', () => {
    const rand = rng(1);
    const tally = newTally();
    const prefixes = [
      new Uint8Array(0),
      ascii('\x93NUMPY\x01\x00'),
      ascii('\x93NUMPY\x03\x00'),
      ascii('PK\x03\x04'),
    ];
    const names = ['r.npy', 'r.npz', 'r.json', 'x.npy'];
    for (let i = 0; i < 4000; i++) {
      const body = Uint8Array.from({ length: Math.floor(rand() * 400) }, () => Math.floor(rand() * 256));
      const data = concat(prefixes[i % prefixes.length], body);
      const name = names[Math.floor(rand() * names.length)];
      attempt(
        tally,
        () => parseBatchFiles([{ name, data }]),
        () => `random ${i} as ${name}`,
      );
    }
    expect(tally.codes.size).toBeGreaterThan(3);
    expect(tally.slowestMs).toBeLessThan(5000);
  });

  it('random .npy headers built from Python literal characters', () => {
    const rand = rng(2);
    const tally = newTally();
    const alphabet = "{}()[]',: 0123456789-L'<f4'descr'shape'fortran_orderTrueFalseNone";
    for (let i = 0; i < 3000; i++) {
      let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
      const edits = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * header.length);
        const piece = alphabet
          .slice(Math.floor(rand() * alphabet.length))
          .slice(0, 1 + Math.floor(rand() * 6));
        header =
          rand() < 0.5
            ? header.slice(0, at) + piece + header.slice(at)
            : header.slice(0, at) + header.slice(at + 1);
      }
      const text = ascii(header + '\n');
      const head = concat(
        ascii('\x93NUMPY\x01\x00'),
        Uint8Array.from([text.length & 0xff, text.length >> 8]),
      );
      // Half the time exactly the 24 bytes the unedited header asks for, so some edits still parse.
      const pad = rand() < 0.5 ? 24 : Math.floor(rand() * 64);
      const data = concat(concat(head, text), new Uint8Array(pad));
      attempt(
        tally,
        () => parseNpy(data, 'h.npy'),
        () => `header ${JSON.stringify(header)}`,
      );
    }
    expect(tally.codes.get('npy-bad-header')).toBeGreaterThan(100);
    expect(tally.parsed).toBeGreaterThan(0);
  });

  const validSets: NamedBytes[][] = [
    ...expected.npy.map((e) => [fixture(e.file)]),
    ...expected.batches.filter((c) => !c.code).map((c) => c.files.map(fixture)),
  ];

  it(`truncations and bit flips of every valid fixture (${validSets.length} sets)`, () => {
    const rand = rng(3);
    const tally = newTally();
    const trainingTally = newTally();
    for (const files of validSets) {
      // The training path reads the same files through views (parseNpyView): it must fail as cleanly.
      let modelShape: (number | null)[] = [null];
      try {
        modelShape = [null, ...parseBatchFiles(files).xShape.slice(1)];
      } catch {
        // a valid .npy that is no batch (a scalar, say): the training parse refuses it too
      }
      for (let i = 0; i < 120; i++) {
        const target = Math.floor(rand() * files.length);
        const { name, data } = files[target];
        let damaged: Uint8Array;
        if (i % 2 === 0) {
          damaged = data.slice(0, Math.floor(rand() * data.length));
        } else {
          damaged = data.slice();
          const flips = 1 + Math.floor(rand() * 4);
          // Half the flips land in the first 200 bytes, where headers and zip directories live.
          for (let k = 0; k < flips; k++) {
            const span = rand() < 0.5 ? Math.min(200, data.length) : data.length;
            const at = rand() < 0.5 ? Math.floor(rand() * span) : data.length - 1 - Math.floor(rand() * span);
            damaged[at] ^= 1 << Math.floor(rand() * 8);
          }
        }
        const set = files.map((f, k) => (k === target ? { name, data: damaged } : f));
        attempt(
          tally,
          () => parseBatchFiles(set),
          () => `${name} damaged (case ${i})`,
        );
        attempt(
          trainingTally,
          () => parseTrainingFiles(set, modelShape, 10, { maxBytes: 1e6 }),
          () => `${name} damaged (case ${i}), as a training set`,
        );
      }
    }
    expect(trainingTally.parsed).toBeGreaterThan(0);
    expect(trainingTally.codes.size).toBeGreaterThan(5);
    expect(trainingTally.slowestMs).toBeLessThan(5000);
    expect(tally.parsed).toBeGreaterThan(0);
    expect(tally.codes.size).toBeGreaterThan(5);
    expect(tally.slowestMs).toBeLessThan(5000);
  });
});
