// WGSL for DenseMaxTimesProgram (dense-maxtimes.ts). Kept in a .ts module rather than a .wgsl file
// because `?raw` imports work under Vite and Vitest but not under tsx (CLI, scripts).
//
// Declared by tfjs's preamble: A [rows, F] (layer input), Z [rows, out] (pre-activations of one
// sign), uniforms.aShape / zShape, setOutputAtIndex, localId, workgroupId, localIndex.
// Declared by the TS side: THREADS, TILE, TILE_K, EPS32, and uniforms.rowsPerSplit.
//
// Output [splits, F, out]: split s covers rows [s*rowsPerSplit, (s+1)*rowsPerSplit) and holds
//   m[s, j, i] = max over its rows n of A[n, j] * V[n, i],   V = 1/|Z| or 0 where |Z| <= EPS32.
// All products are >= 0 (A >= 0, V >= 0), so 0 is the identity of the max and zero-filled tile
// edges need no special case.
export const DENSE_MAXTIMES_WGSL = /* wgsl */ `
var<workgroup> tileA : array<array<f32, TILE>, TILE_K>;
var<workgroup> tileV : array<array<f32, TILE>, TILE_K>;

fn zRule(z : f32) -> f32 {
  let m = abs(z);
  return select(1.0 / m, 0.0, m <= EPS32);
}

fn main() {
  let rows = uniforms.aShape[0];
  let fanIn = uniforms.aShape[1];
  let outs = uniforms.zShape[1];
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let i0 = i32(workgroupId.x) * TILE;
  let j0 = i32(workgroupId.y) * TILE;
  let split = i32(workgroupId.z);
  let nBegin = split * uniforms.rowsPerSplit;
  let nEnd = min(rows, nBegin + uniforms.rowsPerSplit);

  // best[r][c] is output (j0 + ty + r*THREADS, i0 + tx + c*THREADS): strided so that neighbouring
  // threads read neighbouring shared-memory words and write neighbouring outputs.
  var best0 = vec4<f32>(0.0);
  var best1 = vec4<f32>(0.0);
  var best2 = vec4<f32>(0.0);
  var best3 = vec4<f32>(0.0);

  // The trip count must come from uniforms only: workgroupBarrier() needs uniform control flow, and
  // WGSL's analysis treats workgroupId (copied to a private by tfjs's preamble) as non-uniform.
  let steps = (uniforms.rowsPerSplit + TILE_K - 1) / TILE_K;
  for (var t = 0; t < steps; t = t + 1) {
    let n0 = nBegin + t * TILE_K;
    for (var e = i32(localIndex); e < TILE_K * TILE; e = e + THREADS * THREADS) {
      let k = e / TILE;
      let c = e - k * TILE;
      let n = n0 + k;
      var a = 0.0;
      var v = 0.0;
      if (n < nEnd) {
        let j = j0 + c;
        if (j < fanIn) { a = A[n * fanIn + j]; }
        let i = i0 + c;
        if (i < outs) { v = zRule(Z[n * outs + i]); }
      }
      tileA[k][c] = a;
      tileV[k][c] = v;
    }
    workgroupBarrier();
    for (var k = 0; k < TILE_K; k = k + 1) {
      let a = vec4<f32>(tileA[k][ty], tileA[k][ty + THREADS], tileA[k][ty + 2 * THREADS], tileA[k][ty + 3 * THREADS]);
      let v = vec4<f32>(tileV[k][tx], tileV[k][tx + THREADS], tileV[k][tx + 2 * THREADS], tileV[k][tx + 3 * THREADS]);
      best0 = max(best0, a.x * v);
      best1 = max(best1, a.y * v);
      best2 = max(best2, a.z * v);
      best3 = max(best3, a.w * v);
    }
    workgroupBarrier();
  }

  let base = split * fanIn * outs;
  for (var r = 0; r < 4; r = r + 1) {
    let j = j0 + ty + r * THREADS;
    if (j >= fanIn) { break; }
    var row = best0;
    if (r == 1) { row = best1; } else if (r == 2) { row = best2; } else if (r == 3) { row = best3; }
    for (var c = 0; c < 4; c = c + 1) {
      let i = i0 + tx + c * THREADS;
      if (i < outs) { setOutputAtIndex(base + j * outs + i, row[c]); }
    }
  }
}
`;
