// Settings a URL can carry, so that a link (or a test) reproduces a view:
// ?backend=webgpu|webgl|wasm|cpu  &method=sipp  &sparsity=0.9  &points=64
// &curves=sipp,wt (empty: no curves)  &demo=lenet5 (or none)
import { BACKEND_NAMES, METHOD_KEYS, type BackendChoice, type MethodKey } from '../../worker/protocol';

export interface UrlSettings {
  backend: BackendChoice;
  method: MethodKey | null;
  sparsity: number | null;
  points: number | null;
  curves: MethodKey[] | null;
  demo: string | null;
}

const isMethod = (s: string): s is MethodKey => (METHOD_KEYS as readonly string[]).includes(s);

export function readUrl(search: string): UrlSettings {
  const q = new URLSearchParams(search);
  const backend = q.get('backend');
  const method = q.get('method');
  const sparsity = Number(q.get('sparsity'));
  const points = Number(q.get('points'));
  const curves = q.get('curves');
  return {
    backend:
      backend && (BACKEND_NAMES as readonly string[]).includes(backend) ? (backend as BackendChoice) : 'auto',
    method: method && isMethod(method) ? method : null,
    sparsity: q.has('sparsity') && sparsity >= 0 && sparsity < 1 ? sparsity : null,
    points: Number.isInteger(points) && points > 0 ? points : null,
    curves:
      curves === null
        ? null
        : curves
            .split(',')
            .map((s) => s.trim())
            .filter(isMethod),
    demo: q.get('demo'),
  };
}
