// "Add a bill" behind a button: the form opens in a modal <dialog> (a sheet from the bottom on a phone), so
// the page leads with where the reader stands and the bills rather than with an empty form.
// A native dialog gives the modal semantics for free: showModal() makes the page behind it inert, Escape
// closes it, and it is announced as a dialog named by its heading. Focus is still placed by hand both ways:
// into the description (showModal would pick the Close button, the first focusable element), and back to the
// opening button on close, which not every engine restores by itself.
import { useRef, useState } from 'react';
import type { Group } from '../../../src/contract/schemas.ts';
import { BillForm } from './bill-form.tsx';

export function AddBillDialog({ group, me, onCreated }: { group: Group; me: string; onCreated(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [done, setDone] = useState('');

  const open = () => {
    setDone('');
    dialog.current?.showModal();
    dialog.current?.querySelector<HTMLElement>('#bill-description')?.focus();
  };
  const close = () => dialog.current?.close();

  return (
    <div className="add-bill">
      <button ref={opener} type="button" className="add-bill-button" aria-haspopup="dialog" onClick={open}>
        Add a bill
      </button>
      {/* Outside the dialog, so it is still read (and seen) once the dialog has closed. */}
      <p className="status" role="status">
        {done}
      </p>
      {/* Escape and close() both end here; the typed draft stays for the next opening. */}
      <dialog ref={dialog} className="sheet" aria-labelledby="bill-form-title" onClose={() => opener.current?.focus()}>
        <button type="button" className="link-button sheet-close" onClick={close}>
          Close<span className="visually-hidden"> the bill form</span>
        </button>
        <BillForm
          key={group.id}
          group={group}
          me={me}
          onCreated={(description) => {
            setDone(`Added ${description}.`);
            close();
            onCreated();
          }}
        />
      </dialog>
    </div>
  );
}
