// WGSL for DenseMaxTimesProgram (dense-maxtimes.ts). Kept in a .ts module rather than a .wgsl file
// because `?raw` imports work under Vite and Vitest but not under tsx (CLI, scripts).
//
// Declared by tfjs's preamble: A [rows, F] (layer input), Z [2, rows, out] (pre-activations of W+
// and W-, as SignedZProgram writes them), W [F, out] (the kernel, both signs), Into [F, out] (running
// maximum), uniforms.aShape / zShape, setOutputAtIndex, localId, workgroupId, localIndex. Declared by
// the TS side (prelude.ts): THREADS, TILE, TILE_K, EPS32, zRule, weightIsPositive, writeTile, and
// uniforms.rowsPerSplit.
//
// Output [splits, F, out]: split s covers rows [s*rowsPerSplit, (s+1)*rowsPerSplit) and holds
//   max(Into[j, i], |W[j, i]| * max over its rows n of A[n, j] * V±[n, i]),  ± = sign of W[j, i],
// with V = 1/|Z| or 0 where |Z| <= EPS32. All products are >= 0 (A >= 0, V >= 0), so 0 is the
// identity of the max and zero-filled tile edges need no special case.
export const DENSE_MAXTIMES_WGSL = /* wgsl */ `
var<workgroup> tileA : array<array<f32, TILE>, TILE_K>;
var<workgroup> tileP : array<array<f32, TILE>, TILE_K>;
var<workgroup> tileN : array<array<f32, TILE>, TILE_K>;

fn main() {
  let rows = uniforms.aShape[0];
  let fanIn = uniforms.aShape[1];
  let outs = uniforms.zShape[2];
  let half = rows * outs;
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let i0 = i32(workgroupId.x) * TILE;
  let j0 = i32(workgroupId.y) * TILE;
  let split = i32(workgroupId.z);
  let nBegin = split * uniforms.rowsPerSplit;
  let nEnd = min(rows, nBegin + uniforms.rowsPerSplit);

  // best[r][c] is output (j0 + ty + r*THREADS, i0 + tx + c*THREADS): strided so that neighbouring
  // threads read neighbouring shared-memory words and write neighbouring outputs. pos[r][c] says
  // which side that output's weight is on; it is fixed for the whole reduction.
  let pos0 = weightIsPositive(j0 + ty, i0 + tx, fanIn, outs);
  let pos1 = weightIsPositive(j0 + ty + THREADS, i0 + tx, fanIn, outs);
  let pos2 = weightIsPositive(j0 + ty + 2 * THREADS, i0 + tx, fanIn, outs);
  let pos3 = weightIsPositive(j0 + ty + 3 * THREADS, i0 + tx, fanIn, outs);
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
      var vp = 0.0;
      var vn = 0.0;
      if (n < nEnd) {
        let j = j0 + c;
        if (j < fanIn) { a = A[n * fanIn + j]; }
        let i = i0 + c;
        if (i < outs) {
          vp = zRule(Z[n * outs + i]);
          vn = zRule(Z[half + n * outs + i]);
        }
      }
      tileA[k][c] = a;
      tileP[k][c] = vp;
      tileN[k][c] = vn;
    }
    workgroupBarrier();
    for (var k = 0; k < TILE_K; k = k + 1) {
      let a = vec4<f32>(tileA[k][ty], tileA[k][ty + THREADS], tileA[k][ty + 2 * THREADS], tileA[k][ty + 3 * THREADS]);
      let vp = vec4<f32>(tileP[k][tx], tileP[k][tx + THREADS], tileP[k][tx + 2 * THREADS], tileP[k][tx + 3 * THREADS]);
      let vn = vec4<f32>(tileN[k][tx], tileN[k][tx + THREADS], tileN[k][tx + 2 * THREADS], tileN[k][tx + 3 * THREADS]);
      best0 = max(best0, a.x * select(vn, vp, pos0));
      best1 = max(best1, a.y * select(vn, vp, pos1));
      best2 = max(best2, a.z * select(vn, vp, pos2));
      best3 = max(best3, a.w * select(vn, vp, pos3));
    }
    workgroupBarrier();
  }

  writeTile(split, j0 + ty, i0 + tx, fanIn, outs, best0, best1, best2, best3);
}
`;
