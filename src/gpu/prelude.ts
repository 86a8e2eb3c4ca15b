// WGSL shared by the fused max-times programs: the tile shape, the z rule, and the sign lookup and
// final write that every program does the same way. The TS side prepends it to each program body.
import { THREADS, TILE, TILE_K } from './tiling';

/** Tile constants and the z rule: every program. */
export function wgslPrelude(): string {
  return /* wgsl */ `
const THREADS : i32 = ${THREADS};
const TILE : i32 = ${TILE};
const TILE_K : i32 = ${TILE_K};
// 2^-23 exactly: float32 epsilon, see EPS32 in src/core/sensitivity/kernel.ts.
const EPS32 : f32 = 1.1920928955078125e-7;

fn zRule(z : f32) -> f32 {
  let m = abs(z);
  return select(1.0 / m, 0.0, m <= EPS32);
}
`;
}

/** Sign lookup and the final max(Into, |W| * best) write: the max-times programs (inputs W, Into). */
export const SIGNED_OUTPUT_WGSL = /* wgsl */ `
// For the 4 outputs (j, i + c*THREADS) of one thread row: is the weight positive? Outside the
// kernel the answer is irrelevant (nothing is written there).
fn weightIsPositive(j : i32, i : i32, fanIn : i32, outs : i32) -> vec4<bool> {
  var p = vec4<bool>(false);
  if (j < fanIn) {
    for (var c = 0; c < 4; c = c + 1) {
      let ic = i + c * THREADS;
      if (ic < outs) { p[c] = W[j * outs + ic] > 0.0; }
    }
  }
  return p;
}

// Writes max(Into, |W| * best) for the thread's 4x4 outputs (rows j + r*THREADS, columns
// i + c*THREADS) into split s of the [splits, F, out] output.
fn writeTile(s : i32, j : i32, i : i32, fanIn : i32, outs : i32,
             best0 : vec4<f32>, best1 : vec4<f32>, best2 : vec4<f32>, best3 : vec4<f32>) {
  let base = s * fanIn * outs;
  for (var r = 0; r < 4; r = r + 1) {
    let jr = j + r * THREADS;
    if (jr >= fanIn) { break; }
    var row = best0;
    if (r == 1) { row = best1; } else if (r == 2) { row = best2; } else if (r == 3) { row = best3; }
    for (var c = 0; c < 4; c = c + 1) {
      let ic = i + c * THREADS;
      if (ic < outs) {
        let k = jr * outs + ic;
        setOutputAtIndex(base + k, max(Into[k], abs(W[k]) * row[c]));
      }
    }
  }
}
`;
