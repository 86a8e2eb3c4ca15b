// WGSL shared by the conv programs: one entry of the patch matrix, read straight from the input.
// Needs X [N, H, W, C] and uniforms kernel, strides, dilation, pads (top, left).
//
// Rows q = n*L + p over points n and output positions p (L = Ho*Wo, p = oy*Wo + ox); columns
// j = (u*kw + v)*C + c:  P[q, j] = X[n, oy*sh + u*dh - padTop, ox*sw + v*dw - padLeft, c], 0 outside.
export const PATCH_WGSL = /* wgsl */ `
fn patchValue(q : i32, j : i32, positions : i32, outW : i32) -> f32 {
  let inH = uniforms.xShape[1];
  let inW = uniforms.xShape[2];
  let channels = uniforms.xShape[3];
  let n = q / positions;
  let p = q - n * positions;
  let oy = p / outW;
  let ox = p - oy * outW;
  let uv = j / channels;
  let c = j - uv * channels;
  let u = uv / uniforms.kernel[1];
  let v = uv - u * uniforms.kernel[1];
  let iy = oy * uniforms.strides[0] + u * uniforms.dilation[0] - uniforms.pads[0];
  let ix = ox * uniforms.strides[1] + v * uniforms.dilation[1] - uniforms.pads[1];
  if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) { return 0.0; }
  return X[((n * inH + iy) * inW + ix) * channels + c];
}
`;
