/**
 * Float64 reference of the empirical sensitivity (docs/sipp-algorithm.md §1) for any layer whose
 * pre-activation is a sum of weight × input products: the layer is described by the products it
 * sums into each output unit i at each output position p, read off the layer's own definition
 * (Conv1D, transposed conv, separable conv, Dense on rows), never from the tfjs code under test.
 * Weights are indexed in the layout of the layer's variable.
 */
export interface TermLayer {
  /** The kernel variable, flat, in its own (Keras) layout. */
  weights: Float64Array;
  outs: number;
  positions: number;
  /** Every (weight index, input value) product summed into z[i, p] for the input `a`. */
  terms(a: Float64Array, i: number, p: number): Array<[number, number]>;
}

const EPS = 2 ** -23;

/** s over the points (each the flat input of the pruned kernel), as §1.4 reads; [weights.length]. */
export function referenceFromTerms(
  layer: TermLayer,
  points: Float64Array[],
  reduction: 'mean' | 'max',
): Float64Array {
  const w = layer.weights;
  const s = new Float64Array(w.length);
  for (const point of points) {
    const copies = point.some((v) => v < 0)
      ? [point.map((v) => Math.max(v, 0)), point.map((v) => Math.max(-v, 0))]
      : [point];
    for (const a of copies) {
      const g = new Float64Array(w.length);
      for (let i = 0; i < layer.outs; i++) {
        for (let p = 0; p < layer.positions; p++) {
          const terms = layer.terms(a, i, p);
          let zp = 0;
          let zn = 0;
          for (const [k, x] of terms) {
            if (w[k] > 0) zp += w[k] * x;
            else if (w[k] < 0) zn += w[k] * x;
          }
          for (const [k, x] of terms) {
            if (w[k] === 0) continue;
            const z = w[k] > 0 ? zp : zn;
            const G = Math.abs(z) <= EPS ? 0 : (w[k] * x) / z;
            g[k] = reduction === 'mean' ? g[k] + G / layer.positions : Math.max(g[k], G);
          }
        }
      }
      for (let k = 0; k < s.length; k++) s[k] = Math.max(s[k], g[k]);
    }
  }
  return s;
}

/** z[p * outs + i] = Σ terms (no bias): to check a TermLayer against the layer it describes. */
export function referenceForward(layer: TermLayer, a: Float64Array): Float64Array {
  const z = new Float64Array(layer.positions * layer.outs);
  for (let p = 0; p < layer.positions; p++)
    for (let i = 0; i < layer.outs; i++)
      for (const [k, x] of layer.terms(a, i, p)) z[p * layer.outs + i] += layer.weights[k] * x;
  return z;
}

/** TF's output size and leading padding along one axis. */
export function axis(size: number, k: number, s: number, d: number, padding: 'valid' | 'same') {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2) };
}

/** Dense [in, out] on one row. */
export function denseTerms(kernel: Float64Array, fanIn: number, outs: number): TermLayer {
  return {
    weights: kernel,
    outs,
    positions: 1,
    terms: (a, i) => Array.from({ length: fanIn }, (_, j) => [j * outs + i, a[j]] as [number, number]),
  };
}

export interface Conv2dSpec {
  kernel: Float64Array;
  /** [kh, kw, cin, out] */
  shape: [number, number, number, number];
  input: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: 'valid' | 'same';
}

/** Conv2D (and Conv1D as a 1-row image with kernel [1, k, cin, out] = [k, cin, out]) on [H, W, C]. */
export function conv2dTerms(c: Conv2dSpec): TermLayer {
  const [kh, kw, cin, outs] = c.shape;
  const [H, W] = c.input;
  const ay = axis(H, kh, c.strides[0], c.dilation[0], c.padding);
  const ax = axis(W, kw, c.strides[1], c.dilation[1], c.padding);
  return {
    weights: c.kernel,
    outs,
    positions: ay.out * ax.out,
    terms(a, i, p) {
      const oy = Math.floor(p / ax.out);
      const ox = p % ax.out;
      const t: Array<[number, number]> = [];
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++) {
          const y = oy * c.strides[0] + u * c.dilation[0] - ay.before;
          const x = ox * c.strides[1] + v * c.dilation[1] - ax.before;
          if (y < 0 || y >= H || x < 0 || x >= W) continue;
          for (let ch = 0; ch < cin; ch++)
            t.push([((u * kw + v) * cin + ch) * outs + i, a[(y * W + x) * cin + ch]]);
        }
      return t;
    },
  };
}

/**
 * Conv2DTranspose, kernel [kh, kw, filters, cin], as the gradient of the forward conv it
 * transposes: input pixel (iy, ix) feeds output (oy, ox) through tap (u, v) when
 * oy = iy·sh + u − before_h (likewise for x), `before` being TF's padding of that forward conv.
 */
export function transposeTerms(
  kernel: Float64Array,
  shape: [number, number, number, number],
  input: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
): TermLayer & { outH: number; outW: number } {
  const [kh, kw, outs, cin] = shape;
  const [H, W] = input;
  const outLen = (n: number, k: number, s: number) =>
    padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
  const outH = outLen(H, kh, strides[0]);
  const outW = outLen(W, kw, strides[1]);
  const by = axis(outH, kh, strides[0], 1, padding).before;
  const bx = axis(outW, kw, strides[1], 1, padding).before;
  return {
    weights: kernel,
    outs,
    positions: outH * outW,
    outH,
    outW,
    terms(a, i, p) {
      const oy = Math.floor(p / outW);
      const ox = p % outW;
      const t: Array<[number, number]> = [];
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++) {
          const ny = oy + by - u;
          const nx = ox + bx - v;
          if (ny % strides[0] !== 0 || nx % strides[1] !== 0) continue;
          const iy = ny / strides[0];
          const ix = nx / strides[1];
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          for (let c = 0; c < cin; c++)
            t.push([((u * kw + v) * outs + i) * cin + c, a[(iy * W + ix) * cin + c]]);
        }
      return t;
    },
  };
}

/**
 * The depthwise half of SeparableConv2D in float64: kernel [kh, kw, cin, dm], output channel
 * c·dm + m. Returns the [outH, outW, cin·dm] input of the pointwise kernel.
 */
export function depthwise64(
  x: Float64Array,
  input: [number, number, number],
  kernel: Float64Array,
  shape: [number, number, number, number],
  strides: [number, number],
  dilation: [number, number],
  padding: 'valid' | 'same',
): { out: Float64Array; outH: number; outW: number } {
  const [H, W, C] = input;
  const [kh, kw, , dm] = shape;
  const ay = axis(H, kh, strides[0], dilation[0], padding);
  const ax = axis(W, kw, strides[1], dilation[1], padding);
  const out = new Float64Array(ay.out * ax.out * C * dm);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < dm; m++) {
          let z = 0;
          for (let u = 0; u < kh; u++)
            for (let v = 0; v < kw; v++) {
              const y = oy * strides[0] + u * dilation[0] - ay.before;
              const xx = ox * strides[1] + v * dilation[1] - ax.before;
              if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
              z += x[(y * W + xx) * C + c] * kernel[((u * kw + v) * C + c) * dm + m];
            }
          out[((oy * ax.out + ox) * C + c) * dm + m] = z;
        }
  return { out, outH: ay.out, outW: ax.out };
}

/** The pointwise kernel [1, 1, cin, out] on [positions, cin]. */
export function pointwiseTerms(
  kernel: Float64Array,
  cin: number,
  outs: number,
  positions: number,
): TermLayer {
  return {
    weights: kernel,
    outs,
    positions,
    terms: (a, i, p) =>
      Array.from({ length: cin }, (_, c) => [c * outs + i, a[p * cin + c]] as [number, number]),
  };
}
