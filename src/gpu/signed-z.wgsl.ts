// WGSL for SignedZProgram (signed-z.ts): Z+ and Z- in one pass over the input and W.
//
// Declared by tfjs's preamble: X (Dense: A [rows, F]; Conv2D: the input [N, H, W, C]), W [F, out]
// (the kernel, both signs), uniforms.xShape / wShape, setOutputAtIndex, localId, workgroupId,
// localIndex. Declared by the TS side: THREADS, TILE, TILE_K (prelude.ts), CONV (bool), patchValue
// (patch.wgsl.ts, conv only), and uniforms rows, kernel, strides, dilation, pads, outSize (Ho, Wo).
//
// Output [2, rows, out] (conv: rows = N*Ho*Wo, row-major like Z of tf.conv2d):
//   out[0, q, i] = sum_j P[q, j] * max(W[j, i], 0),   out[1, q, i] = sum_j P[q, j] * min(W[j, i], 0)
// with P = A for Dense and the patches for Conv2D. Each tile of the input and of W is staged once
// and feeds both sums: no sign-split copy of W is ever written.
export const SIGNED_Z_WGSL = /* wgsl */ `
var<workgroup> tileX : array<array<f32, TILE>, TILE_K>;
var<workgroup> tileW : array<array<f32, TILE>, TILE_K>;

fn inputValue(q : i32, j : i32, fanIn : i32) -> f32 {
  if (CONV) {
    return patchValue(q, j, uniforms.outSize[0] * uniforms.outSize[1], uniforms.outSize[1]);
  }
  return X[q * fanIn + j];
}

fn main() {
  let rows = uniforms.rows;
  let fanIn = uniforms.wShape[0];
  let outs = uniforms.wShape[1];
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let i0 = i32(workgroupId.x) * TILE;
  let q0 = i32(workgroupId.y) * TILE;

  // Thread (tx, ty) owns rows q0 + ty + r*THREADS and columns i0 + tx + c*THREADS.
  var p0 = vec4<f32>(0.0);
  var p1 = vec4<f32>(0.0);
  var p2 = vec4<f32>(0.0);
  var p3 = vec4<f32>(0.0);
  var n0 = vec4<f32>(0.0);
  var n1 = vec4<f32>(0.0);
  var n2 = vec4<f32>(0.0);
  var n3 = vec4<f32>(0.0);

  let steps = (uniforms.wShape[0] + TILE_K - 1) / TILE_K;
  for (var t = 0; t < steps; t = t + 1) {
    let j0 = t * TILE_K;
    for (var e = i32(localIndex); e < TILE_K * TILE; e = e + THREADS * THREADS) {
      let k = e / TILE;
      let c = e - k * TILE;
      let j = j0 + k;
      var x = 0.0;
      var w = 0.0;
      if (j < fanIn) {
        let q = q0 + c;
        if (q < rows) { x = inputValue(q, j, fanIn); }
        let i = i0 + c;
        if (i < outs) { w = W[j * outs + i]; }
      }
      tileX[k][c] = x;
      tileW[k][c] = w;
    }
    workgroupBarrier();
    for (var k = 0; k < TILE_K; k = k + 1) {
      let x = vec4<f32>(tileX[k][ty], tileX[k][ty + THREADS], tileX[k][ty + 2 * THREADS], tileX[k][ty + 3 * THREADS]);
      let w = vec4<f32>(tileW[k][tx], tileW[k][tx + THREADS], tileW[k][tx + 2 * THREADS], tileW[k][tx + 3 * THREADS]);
      let wp = max(w, vec4<f32>(0.0));
      let wn = min(w, vec4<f32>(0.0));
      p0 = p0 + x.x * wp;
      n0 = n0 + x.x * wn;
      p1 = p1 + x.y * wp;
      n1 = n1 + x.y * wn;
      p2 = p2 + x.z * wp;
      n2 = n2 + x.z * wn;
      p3 = p3 + x.w * wp;
      n3 = n3 + x.w * wn;
    }
    workgroupBarrier();
  }

  let half = rows * outs;
  for (var r = 0; r < 4; r = r + 1) {
    let q = q0 + ty + r * THREADS;
    if (q >= rows) { break; }
    var pr = p0;
    var nr = n0;
    if (r == 1) { pr = p1; nr = n1; } else if (r == 2) { pr = p2; nr = n2; } else if (r == 3) { pr = p3; nr = n3; }
    for (var c = 0; c < 4; c = c + 1) {
      let i = i0 + tx + c * THREADS;
      if (i < outs) {
        setOutputAtIndex(q * outs + i, pr[c]);
        setOutputAtIndex(half + q * outs + i, nr[c]);
      }
    }
  }
}
`;
