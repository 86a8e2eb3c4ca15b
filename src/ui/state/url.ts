// Settings a URL can carry, so that a link (or a test) reproduces a view:
// ?backend=webgpu|webgl|wasm|cpu  &method=sipp  &sparsity=0.9  &seed=3  &propagate=1  &points=64
// &curves=sipp,wt (empty: no curves)  &demo=lenet5 (or none)
// &model=<SHA-256 prefix of the model's files>  &protocol=one-shot|cascade|lottery (retraining)
// A value that is absent or malformed reads as null: stored preferences or defaults apply.
// The page writes the view back (writeUrl) as the user changes it, so a reload shows the same view.
import {
  BACKEND_NAMES,
  METHOD_KEYS,
  PROTOCOLS,
  type BackendChoice,
  type MethodKey,
  type Protocol,
} from '../../worker/protocol';

/** Hex digits of the model fingerprint a link carries: enough to tell models apart, short to paste. */
export const URL_FINGERPRINT_CHARS = 16;

export interface UrlSettings {
  backend: BackendChoice | null;
  method: MethodKey | null;
  sparsity: number | null;
  seed: number | null;
  propagate: boolean | null;
  points: number | null;
  curves: MethodKey[] | null;
  demo: string | null;
  /** Prefix of the model fingerprint the view was made on (a link then says when the model differs). */
  model: string | null;
  protocol: Protocol | null;
}

const isMethod = (s: string): s is MethodKey => (METHOD_KEYS as readonly string[]).includes(s);
const isBackend = (s: string): s is BackendChoice =>
  s === 'auto' || (BACKEND_NAMES as readonly string[]).includes(s);

export function readUrl(search: string): UrlSettings {
  const q = new URLSearchParams(search);
  const backend = q.get('backend');
  const method = q.get('method');
  const sparsity = Number(q.get('sparsity'));
  const seedText = q.get('seed') ?? '';
  const seed = Number(seedText);
  const propagate = q.get('propagate');
  const points = Number(q.get('points'));
  const curves = q.get('curves');
  const model = (q.get('model') ?? '').toLowerCase();
  const protocol = q.get('protocol');
  return {
    backend: backend && isBackend(backend) ? backend : null,
    method: method && isMethod(method) ? method : null,
    sparsity: q.has('sparsity') && sparsity >= 0 && sparsity < 1 ? sparsity : null,
    seed: /^\d+$/.test(seedText) && Number.isSafeInteger(seed) ? seed : null,
    propagate:
      propagate === '1' || propagate === 'true'
        ? true
        : propagate === '0' || propagate === 'false'
          ? false
          : null,
    points: Number.isInteger(points) && points > 0 ? points : null,
    curves:
      curves === null
        ? null
        : curves
            .split(',')
            .map((s) => s.trim())
            .filter(isMethod),
    demo: q.get('demo'),
    model: /^[0-9a-f]{8,64}$/.test(model) ? model : null,
    protocol: protocol && (PROTOCOLS as readonly string[]).includes(protocol) ? (protocol as Protocol) : null,
  };
}

/** What the page writes back: the view a reload should show. */
export interface UrlView {
  backend: BackendChoice;
  method: MethodKey;
  sparsity: number;
  seed: number;
  propagate: boolean;
  points: number | null;
  curves: MethodKey[];
  /** The demo on screen, or null for the user's own files (the parameter is then left alone). */
  demo: string | null;
  /** Fingerprint of the loaded model (null: not known yet, the parameter is left alone). */
  model?: string | null;
  /** The retraining protocol chosen (one-shot, the default, is left out). */
  protocol?: Protocol;
}

/**
 * `search` with the view written in; other parameters (debug, …) are kept as they are. Defaults
 * (seed 0, no propagation, default points) are left out to keep links short. Backend and curves
 * are stored preferences: they are written only where the URL already names them, since a URL
 * value would otherwise hide the user's later changes to the preference after a reload.
 */
export function writeUrl(search: string, v: UrlView): string {
  const q = new URLSearchParams(search);
  q.set('method', v.method);
  q.set('sparsity', String(Math.round(v.sparsity * 1000) / 1000));
  if (v.seed !== 0) q.set('seed', String(v.seed));
  else q.delete('seed');
  if (v.propagate) q.set('propagate', '1');
  else q.delete('propagate');
  if (v.points !== null) q.set('points', String(v.points));
  else q.delete('points');
  if (v.demo !== null) q.set('demo', v.demo);
  if (q.has('backend')) q.set('backend', v.backend);
  if (q.has('curves')) q.set('curves', v.curves.join(','));
  if (v.model) q.set('model', v.model.slice(0, URL_FINGERPRINT_CHARS));
  if (v.protocol && v.protocol !== 'one-shot') q.set('protocol', v.protocol);
  else if (v.protocol) q.delete('protocol');
  const s = q.toString().replace(/%2C/g, ',');
  return s ? `?${s}` : '';
}
