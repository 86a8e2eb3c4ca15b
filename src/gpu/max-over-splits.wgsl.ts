// WGSL for MaxOverSplitsProgram (max-over-splits.ts). P [splits, F, out] -> [F, out].
// uniforms.size (F*out) and uniforms.pShape come from tfjs's preamble; main gets the flat index.
export const MAX_OVER_SPLITS_WGSL = /* wgsl */ `
fn main(index : i32) {
  if (index >= uniforms.size) { return; }
  let splits = uniforms.pShape[0];
  var best = P[index];
  for (var s = 1; s < splits; s = s + 1) {
    best = max(best, P[s * uniforms.size + index]);
  }
  setOutputAtIndex(index, best);
}
`;
