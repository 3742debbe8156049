// Keyset pages: the store is asked for one row more than the page, so whether another page exists is
// known without a second query; the cursor is the last row's id.

export function pageOf<R extends { id: string | number }>(rows: R[], limit: number): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null };
}
