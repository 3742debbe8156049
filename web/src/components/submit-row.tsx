/** A form's submit button with its status line, announced politely to screen readers. */
export function SubmitRow({ label, busy, done }: { label: string; busy: boolean; done: string | undefined }) {
  return (
    <div className="actions">
      <button type="submit" disabled={busy}>
        {label}
      </button>
      <p className="status" role="status">
        {done}
      </p>
    </div>
  );
}
