// The one API client of the app: same origin, session cookie (the SDK sends no token in a browser).
import { createApi } from '../../src/client/index.ts';

export const api = createApi();
