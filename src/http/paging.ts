import { PAGE_SIZE } from '../contract/schemas.ts';

/** `limit` as the query schema let it through (1–100, decimal), or the default page. */
export const pageLimit = (raw: string | undefined): number => (raw === undefined ? PAGE_SIZE.default : Number(raw));
