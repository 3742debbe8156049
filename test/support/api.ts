// A bare HTTP client for tests (fetch, nothing of ours), so tests see exactly what goes over the wire.
export type Res<T = any> = { status: number; headers: Headers; body: T };

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export type TestUser = { id: string; name: string; email: string; token: string };

let counter = 0;
export async function register(base: string, name: string): Promise<TestUser> {
  const email = `${name.toLowerCase()}.${process.pid}.${++counter}@example.test`;
  const res = await call(base, 'POST', '/api/auth/register', { body: { name, email, password: 'correct horse battery' } });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body.user, token: res.body.token };
}

/** A group owned by `owner` with the others added as members. */
export async function groupWith(base: string, owner: TestUser, others: TestUser[], currency = 'USD') {
  const g = await call(base, 'POST', '/api/groups', { token: owner.token, body: { name: 'Trip', currency } });
  if (g.status !== 201) throw new Error(`group: ${g.status} ${JSON.stringify(g.body)}`);
  for (const u of others) {
    const r = await call(base, 'POST', `/api/groups/${g.body.group.id}/members`, { token: owner.token, body: { email: u.email } });
    if (r.status !== 201) throw new Error(`add member: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return g.body.group.id as string;
}

export async function billFor(base: string, owner: TestUser, groupId: string, among: TestUser[], amount = 3000, description = 'Dinner') {
  const r = await call(base, 'POST', `/api/groups/${groupId}/bills`, {
    token: owner.token,
    body: { description, amount, split: { mode: 'equal', among: [owner.id, ...among.map((u) => u.id)] } },
  });
  if (r.status !== 201) throw new Error(`bill: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.bill;
}
