import { invalid } from '../domain/errors.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 100;

/** `limit` is 1–100, default 50; anything else is a 400, not silently clamped. */
export function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalid('limit', `must be a whole number from 1 to ${MAX_PAGE}`);
  return n;
}
