// WGSL for ConvPatchReduceProgram (conv-patch-reduce.ts).
//
// Declared by tfjs's preamble: X [N, H, W, C] (layer input, NHWC), Z [2N, Ho, Wo, out] (pre-
// activations of W+, then of W-, as SignedZProgram writes them), W [F, out] (the kernel, both signs),
// Into [F, out] (running maximum), uniforms.xShape / zShape, setOutputAtIndex, localId, workgroupId,
// localIndex. Declared by the TS side: THREADS, TILE, TILE_K, EPS32, zRule, weightIsPositive,
// writeTile (prelude.ts), patchValue (patch.wgsl.ts), MEAN (bool), and uniforms kernel (kh, kw),
// strides, dilation, pads (top, left), pointsPerSplit.
//
// Rows of the reduction are q = n*L + p over points n and output positions p (L = Ho*Wo), which is
// also Z's row-major order. Patches P[q, j] are read straight from X, j = (u*kw + v)*C + c:
//   P[q, j] = X[n, oy*sh + u*dh - padTop, ox*sw + v*dw - padLeft, c], 0 outside the image.
// Output [splits, F, out]; split s covers points [s*pointsPerSplit, (s+1)*pointsPerSplit) and holds
// max(Into[j, i], |W[j, i]| * m[s, j, i]) with, ± being the sign of W[j, i]:
//   MEAN:  m[s, j, i] = max over its n of (1/L) sum_p P[q, j] * V±[q, i]
//   !MEAN: m[s, j, i] = max over its n and p of P[q, j] * V±[q, i]
// and V = 1/|Z| or 0 where |Z| <= EPS32. Products are >= 0, so zero-filled tile edges are inert.
export const CONV_PATCH_REDUCE_WGSL = /* wgsl */ `
var<workgroup> tileP : array<array<f32, TILE>, TILE_K>;
var<workgroup> tileVp : array<array<f32, TILE>, TILE_K>;
var<workgroup> tileVn : array<array<f32, TILE>, TILE_K>;

fn main() {
  // Z is [2N, Ho, Wo, out]: Z+ of the N points, then their Z- (tfjs cannot index a 5-D shape).
  let points = uniforms.zShape[0] / 2;
  let positions = uniforms.zShape[1] * uniforms.zShape[2];
  let outW = uniforms.zShape[2];
  let outs = uniforms.zShape[3];
  let half = points * positions * outs;
  let fanIn = uniforms.kernel[0] * uniforms.kernel[1] * uniforms.xShape[3];
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let i0 = i32(workgroupId.x) * TILE;
  let j0 = i32(workgroupId.y) * TILE;
  let split = i32(workgroupId.z);
  let qBegin = split * uniforms.pointsPerSplit * positions;
  let qEnd = min(points, (split + 1) * uniforms.pointsPerSplit) * positions;
  let invL = 1.0 / f32(positions);

  // Strided ownership as in the dense program: best*[c] is (j0 + ty + r*THREADS, i0 + tx + c*THREADS).
  // acc* holds the running sum (MEAN) or max (!MEAN) of the current point; pos* the weights' sides.
  let pos0 = weightIsPositive(j0 + ty, i0 + tx, fanIn, outs);
  let pos1 = weightIsPositive(j0 + ty + THREADS, i0 + tx, fanIn, outs);
  let pos2 = weightIsPositive(j0 + ty + 2 * THREADS, i0 + tx, fanIn, outs);
  let pos3 = weightIsPositive(j0 + ty + 3 * THREADS, i0 + tx, fanIn, outs);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var best0 = vec4<f32>(0.0);
  var best1 = vec4<f32>(0.0);
  var best2 = vec4<f32>(0.0);
  var best3 = vec4<f32>(0.0);

  // Trip count from uniforms only, so that the barriers sit in uniform control flow.
  let steps = (uniforms.pointsPerSplit * positions + TILE_K - 1) / TILE_K;
  for (var t = 0; t < steps; t = t + 1) {
    let q0 = qBegin + t * TILE_K;
    for (var e = i32(localIndex); e < TILE_K * TILE; e = e + THREADS * THREADS) {
      let k = e / TILE;
      let c = e - k * TILE;
      let q = q0 + k;
      var a = 0.0;
      var vp = 0.0;
      var vn = 0.0;
      if (q < qEnd) {
        let j = j0 + c;
        if (j < fanIn) { a = patchValue(q, j, positions, outW); }
        let i = i0 + c;
        if (i < outs) {
          vp = zRule(Z[q * outs + i]);
          vn = zRule(Z[half + q * outs + i]);
        }
      }
      tileP[k][c] = a;
      tileVp[k][c] = vp;
      tileVn[k][c] = vn;
    }
    workgroupBarrier();
    var p = q0 % positions;
    for (var k = 0; k < TILE_K; k = k + 1) {
      let a = vec4<f32>(tileP[k][ty], tileP[k][ty + THREADS], tileP[k][ty + 2 * THREADS], tileP[k][ty + 3 * THREADS]);
      let vp = vec4<f32>(tileVp[k][tx], tileVp[k][tx + THREADS], tileVp[k][tx + 2 * THREADS], tileVp[k][tx + 3 * THREADS]);
      let vn = vec4<f32>(tileVn[k][tx], tileVn[k][tx + THREADS], tileVn[k][tx + 2 * THREADS], tileVn[k][tx + 3 * THREADS]);
      if (MEAN) {
        // A new point starts: fold the finished point's mean into best. Rows past qEnd are zeros,
        // so an extra fold there is harmless.
        if (p == 0) {
          best0 = max(best0, acc0 * invL);
          best1 = max(best1, acc1 * invL);
          best2 = max(best2, acc2 * invL);
          best3 = max(best3, acc3 * invL);
          acc0 = vec4<f32>(0.0);
          acc1 = vec4<f32>(0.0);
          acc2 = vec4<f32>(0.0);
          acc3 = vec4<f32>(0.0);
        }
        acc0 = acc0 + a.x * select(vn, vp, pos0);
        acc1 = acc1 + a.y * select(vn, vp, pos1);
        acc2 = acc2 + a.z * select(vn, vp, pos2);
        acc3 = acc3 + a.w * select(vn, vp, pos3);
      } else {
        acc0 = max(acc0, a.x * select(vn, vp, pos0));
        acc1 = max(acc1, a.y * select(vn, vp, pos1));
        acc2 = max(acc2, a.z * select(vn, vp, pos2));
        acc3 = max(acc3, a.w * select(vn, vp, pos3));
      }
      p = p + 1;
      if (p == positions) { p = 0; }
    }
    workgroupBarrier();
  }
  if (MEAN) {
    best0 = max(best0, acc0 * invL);
    best1 = max(best1, acc1 * invL);
    best2 = max(best2, acc2 * invL);
    best3 = max(best3, acc3 * invL);
  } else {
    best0 = acc0;
    best1 = acc1;
    best2 = acc2;
    best3 = acc3;
  }

  writeTile(split, j0 + ty, i0 + tx, fanIn, outs, best0, best1, best2, best3);
}
`;
