// A form's messages, each cleared as soon as its field is edited (a stale "Enter your name" under a filled-in
// name reads as a new error). Editing any field also clears the form's own message ('').
import { useCallback, useState } from 'react';
import type { FormErrors } from '../problem.ts';

export function useFieldErrors() {
  const [errors, setErrors] = useState<FormErrors>({});
  const clear = useCallback((...paths: string[]) => {
    setErrors((e) => {
      if (!paths.some((p) => p in e) && !('' in e)) return e;
      const next: Record<string, string> = { ...e };
      for (const p of paths) delete next[p];
      delete next[''];
      return next;
    });
  }, []);
  return [errors, setErrors, clear] as const;
}
