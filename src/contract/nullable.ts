import { Type, type Static, type TInteger, type TNumber, type TString } from '@sinclair/typebox';

/**
 * A primitive or null, as a type list (`"type": ["string", "null"]`, JSON Schema 2020-12 §6.1.1; OpenAPI
 * 3.1 takes it as is) rather than `anyOf`. Same wire and same validation; the difference is in replies:
 * fast-json-stringify writes a type list with a typeof check, but serializes an `anyOf` by running an Ajv
 * validator per branch, compiled on the first reply that needs it (5 ms of the first POST /bills after a
 * start, while bills queued behind it).
 */
export const Nullable = <T extends TString | TInteger | TNumber>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
