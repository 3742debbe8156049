/**
 * A submit button that shows it is working. aria-disabled rather than disabled while busy: a disabled button
 * drops keyboard focus to <body>; the form's submit handler ignores a second submit instead.
 */
export function SubmitButton({ label, pending, busy, className }: { label: string; pending?: string; busy: boolean; className?: string }) {
  return (
    <button type="submit" className={className} aria-disabled={busy || undefined} data-busy={busy || undefined}>
      {busy && <span className="spinner" aria-hidden="true" />}
      {busy ? (pending ?? `${label}…`) : label}
    </button>
  );
}

/** A form's submit button with its status line, announced politely to screen readers. */
export function SubmitRow({ label, pending, busy, done }: { label: string; pending?: string; busy: boolean; done: string | undefined }) {
  return (
    <div className="actions">
      <SubmitButton label={label} pending={pending} busy={busy} />
      <p className="status" role="status">
        {done}
      </p>
    </div>
  );
}
