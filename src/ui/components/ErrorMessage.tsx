import type { UserError } from '../../worker/protocol';

/** An error next to what caused it; the code is there for bug reports, the sentence for people. */
export function ErrorMessage({ error, title }: { error: UserError | string; title?: string }) {
  const message = typeof error === 'string' ? error : error.message;
  const code = typeof error === 'string' ? undefined : error.code;
  return (
    <div className="error" role="alert" data-testid="error.message" data-code={code}>
      {title && <strong>{title} </strong>}
      {message}
    </div>
  );
}

export function Notices({ items, label }: { items: string[]; label: string }) {
  if (items.length === 0) return null;
  return (
    <details className="notices" open>
      <summary>
        {label} ({items.length})
      </summary>
      <ul>
        {items.map((n, i) => (
          <li key={i}>{n}</li>
        ))}
      </ul>
    </details>
  );
}
