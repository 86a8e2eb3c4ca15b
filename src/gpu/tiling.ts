// Tile shape shared by the fused max-times programs. The WGSL bodies read these as `const`s that
// prelude.ts prepends, so a change here is the only edit needed to retile.

/** Threads per workgroup side; 16x16 = 256, the WebGPU default cap on invocations per workgroup. */
export const THREADS = 16;
/** Outputs per thread along each side, kept in vec4 registers (the WGSL is written for exactly 4). */
export const PER_THREAD = 4;
/** Output tile side: 64 rows j by 64 columns i per workgroup. */
export const TILE = THREADS * PER_THREAD;
/** Reduction rows staged per step: 3 arrays of 16x64 f32 = 12 KiB of the 16 KiB guaranteed. */
export const TILE_K = 16;
