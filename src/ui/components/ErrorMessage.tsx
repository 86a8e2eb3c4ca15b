import type { UserError } from '../../worker/protocol';
import { errorId } from '../state/status';

/**
 * An error next to what caused it; the code is there for bug reports, the sentence for people.
 * Its id (see state/status errorId) is what the progress line links to; it takes focus from
 * that link, so it is focusable by script (tabIndex -1) but not a tab stop.
 */
export function ErrorMessage({
  error,
  title,
  id,
}: {
  error: UserError | string;
  title?: string;
  id?: string;
}) {
  const message = typeof error === 'string' ? error : error.message;
  const code = typeof error === 'string' ? undefined : error.code;
  return (
    <div
      className="error"
      role="alert"
      id={id ?? (typeof error === 'string' ? undefined : errorId(error))}
      tabIndex={-1}
      data-testid="error.message"
      data-code={code}
    >
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
