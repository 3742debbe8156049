import { useState } from 'react';

/**
 * One request at a time from a form or a row of buttons: `busy` while it runs, then `onDone`, or the error
 * as a sentence for the person (`sentenceOf`, e.g. problemSentence).
 */
export function useAction(onDone: () => void, sentenceOf: (e: unknown) => string | undefined) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  async function act(action: () => Promise<unknown>) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onDone();
    } catch (e) {
      setError(sentenceOf(e));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, act };
}
