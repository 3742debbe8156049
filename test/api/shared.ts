// Small helpers shared by the API tests: a server per test file, problem+json checks, notification reads.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { call, type Res, type TestUser } from '../support/api.ts';

/** One real server (real socket, real SQLite file) for the whole file; tests isolate by registering fresh users. */
export function useServer(env: Record<string, string> = {}): { readonly url: string; readonly server: TestServer } {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer(env);
  });
  after(() => server?.close());
  return {
    get url() {
      if (!server) throw new Error('server not started yet');
      return server.url;
    },
    get server() {
      if (!server) throw new Error('server not started yet');
      return server;
    },
  };
}

/** An RFC 9457 problem with the given status: the content type, the four members, and status echoed in the body. */
export function expectProblem(res: Res, status: number, code?: string) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json\b/);
  const body = res.body;
  assert.equal(typeof body, 'object');
  assert.equal(typeof body.type, 'string');
  assert.ok(body.type.length > 0);
  assert.equal(typeof body.title, 'string');
  assert.ok(body.title.length > 0);
  assert.equal(body.status, status);
  assert.equal(typeof body.detail, 'string');
  assert.ok(body.detail.length > 0);
  if (code !== undefined) assert.equal(body.code, code);
  if (status === 400 && body.errors !== undefined) {
    assert.ok(Array.isArray(body.errors));
    for (const e of body.errors) {
      assert.equal(typeof e.path, 'string');
      assert.equal(typeof e.message, 'string');
    }
  }
}

type WireBill = {
  id: string;
  groupId: string;
  ownerId: string;
  description: string;
  amount: number;
  currency: string;
  shares: { paidAt: string | null }[];
};

/** A bill as a notification carries it (src/contract/events.ts BillSummary): no shares, their counts. */
export const summaryOf = (b: WireBill) => ({
  id: b.id,
  groupId: b.groupId,
  ownerId: b.ownerId,
  description: b.description,
  amount: b.amount,
  currency: b.currency,
  shareCount: b.shares.length,
  paidCount: b.shares.filter((s) => s.paidAt !== null).length,
});

/** A 400 whose `errors` name the given path (exactly, or as a prefix of a longer one). */
export function expectInvalid(res: Res, path: string) {
  expectProblem(res, 400, 'validation');
  assert.ok(Array.isArray(res.body.errors), `no errors list: ${JSON.stringify(res.body)}`);
  const paths = res.body.errors.map((e: { path: string }) => e.path);
  assert.ok(
    paths.some((p: string) => p === path || p.startsWith(`${path}.`)),
    `expected an error at ${path}, got ${JSON.stringify(paths)}`,
  );
}

export type Notification = { id: string; type: string; createdAt: string; readAt: string | null; data: any };

/** Every notification of a user, newest first (one page of up to 100). */
export async function notificationsOf(base: string, user: TestUser): Promise<Notification[]> {
  const res = await call(base, 'GET', '/api/notifications?limit=100', { token: user.token });
  assert.equal(res.status, 200);
  return res.body.notifications;
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
