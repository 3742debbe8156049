// The load generator: its own process, driven by the orchestrator over IPC (bench/protocol.ts). It holds
// the N idle streams on raw sockets with the minimal parsers of bench/wire.ts, sends the requests that cause
// deliveries, and times each delivery from the request's start to the moment its bytes are read here.
import http from 'node:http';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loopDelayMs } from './admin.ts';
import { FAN_GROUP_ID, MARKER, OWNERS, fanBill, ownerToken, pairGroupId, receiverToken, targetedBill } from './fixtures.ts';
import type {
  AwaitResult,
  ConnectResult,
  FanoutResult,
  GeneratorCommand,
  GeneratorReply,
  PostTarget,
  StatusResult,
  StreamTarget,
  TargetedResult,
} from './protocol.ts';
import { summarize } from './stats.ts';
import { ChunkedDecoder, SseSplitter, WS_OP, WsFrameReader, parseHead, sseRequest, wsClientFrame, wsUpgradeRequest } from './wire.ts';

let target: StreamTarget;
let post: PostTarget;
const sockets: (net.Socket | undefined)[] = [];
let open = 0;
let closedByServer = 0;
let closing = false;

// What is expected, and what arrived.
const targeted = new Map<number, { receiver: number; start: number }>();
let nextSeq = 0;
const targetedSeen = new Set<number>();
let latencies: number[] = [];
let startedAt: number[] = [];
let phaseStart = 0;
let misdelivered = 0;
let unexpected = 0;
let duplicates = 0;
/** `audience`: streams 0..audience-1 are the receivers; any other stream receiving it is a misdelivery. */
type Fan = { start: number; audience: number; remaining: number; last: number; seen: Set<number>; done?: () => void };
const fans = new Map<string, Fan>();
let burstExpected = 0;
let burstReceived = 0;
let burstUsers = 1;
let burstMisdelivered = 0;
let burstDone: (() => void) | undefined;

/** One delivered message (an SSE event or a WebSocket message), with the time its bytes were read. */
function onMessage(idx: number, text: string, now: number) {
  const m = MARKER.exec(text);
  if (!m) {
    // BENCH_DEBUG=1 shows every message that carries no marker, to see what a server actually sent.
    if (process.env.BENCH_DEBUG) console.error(`[gen ${idx}] ${JSON.stringify(text.slice(0, 300))}`);
    return; // group.updated, heartbeats, control messages
  }
  const phase = m[1];
  const seq = Number(m[2]);
  if (phase === 'bench') {
    const expected = targeted.get(seq);
    if (!expected) {
      if (targetedSeen.has(seq)) duplicates++;
      else unexpected++;
      return;
    }
    targeted.delete(seq);
    targetedSeen.add(seq);
    if (expected.receiver !== idx) misdelivered++;
    latencies.push(now - expected.start);
    startedAt.push(expected.start - phaseStart);
  } else if (phase === 'fan' || phase === 'all') {
    const fan = fans.get(`${phase}:${seq}`);
    if (!fan || idx >= fan.audience) return void unexpected++;
    if (fan.seen.has(idx)) return void duplicates++;
    fan.seen.add(idx);
    fan.last = now;
    if (--fan.remaining === 0) fan.done?.();
  } else if (phase === 'burst') {
    if (seq % burstUsers !== idx) burstMisdelivered++;
    if (++burstReceived >= burstExpected) burstDone?.();
  }
}

function authorization(idx: number) {
  return `Bearer ${receiverToken(target.salt, idx)}`;
}

/** Opens stream `idx`; resolves once the server has accepted it (SSE head, WebSocket 101, Socket.IO connect). */
function openStream(idx: number, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const { host, port, path, kind, localAddresses } = target;
    const socket = net.connect({ host, port, localAddress: localAddresses[idx % localAddresses.length] });
    let established = false;
    let head: Buffer | undefined = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`not established within ${timeoutMs} ms`)), timeoutMs);
    const ready = () => {
      if (established) return;
      established = true;
      clearTimeout(timer);
      sockets[idx] = socket;
      open++;
      resolve();
    };
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (!established) reject(err);
    };
    socket.on('error', (err) => fail(err));
    socket.on('close', () => {
      if (!established) return fail(new Error('closed before established'));
      open--;
      sockets[idx] = undefined;
      if (!closing) closedByServer++;
    });
    const hostHeader = `${host}:${port}`;
    socket.on('connect', () => {
      socket.setNoDelay(true);
      socket.write(
        kind === 'sse' ? sseRequest(hostHeader, path, authorization(idx)) : wsUpgradeRequest(hostHeader, path, authorization(idx)),
      );
    });

    // After the head: one body handler per kind.
    let onBody: (data: Buffer, now: number) => void = () => undefined;
    let onHead: (headers: Map<string, string>) => void = () => undefined;
    let expectStatus = 200;
    if (kind === 'sse') {
      let decoder: ChunkedDecoder | undefined;
      const splitter = new SseSplitter();
      onBody = (data, now) => {
        for (const part of decoder ? decoder.push(data) : [data]) {
          for (const event of splitter.push(part.toString())) onMessage(idx, event, now);
        }
      };
      onHead = (headers) => {
        if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') decoder = new ChunkedDecoder();
        ready();
      };
    } else {
      const frames = new WsFrameReader();
      const socketIo = kind === 'socketio';
      onBody = (data, now) => {
        for (const frame of frames.push(data)) {
          if (frame.op === WS_OP.ping) socket.write(wsClientFrame(WS_OP.pong, frame.payload));
          else if (frame.op === WS_OP.close) socket.end();
          else if (frame.op === WS_OP.text) {
            const text = frame.payload.toString();
            if (!socketIo) onMessage(idx, text, now);
            // Engine.IO v4 packets: 0 open, 2 ping (answer 3), 4 message; Socket.IO: 0 connect, 2 event.
            else if (text === '2') socket.write(wsClientFrame(WS_OP.text, '3'));
            else if (text.startsWith('42')) onMessage(idx, text, now);
            else if (text.startsWith('0')) socket.write(wsClientFrame(WS_OP.text, '40'));
            else if (text.startsWith('40')) ready();
            else if (text.startsWith('44')) fail(new Error(`Socket.IO connect refused: ${text}`));
          }
        }
      };
      expectStatus = 101;
      onHead = () => {
        if (!socketIo) ready();
      };
    }
    // The response head first (status checked per kind), then the body to the kind's parser.
    socket.on('data', (data: Buffer) => {
      const now = performance.now();
      if (head) {
        const parsed = parseHead((head = Buffer.concat([head, data])));
        if (!parsed) return;
        head = undefined;
        if (parsed.status !== expectStatus) return fail(new Error(`HTTP ${parsed.status}`));
        onHead(parsed.headers);
        data = parsed.rest;
      }
      if (data.length) onBody(data, now);
    });
  });
}

async function connect(from: number, to: number, concurrency: number, timeoutMs: number): Promise<ConnectResult> {
  const t0 = performance.now();
  let next = from;
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < to) {
      const idx = next++;
      try {
        await openStream(idx, timeoutMs);
        opened++;
      } catch (e) {
        failed++;
        firstError ??= `stream ${idx}: ${(e as Error).message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
  return { opened, failed, firstError, ms: Math.round(performance.now() - t0) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request that causes deliveries; resolves with the HTTP status (0 on a network error). */
function request(path: string, body: unknown, token: string | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request({ agent, host: post.host, port: post.port, method: 'POST', path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (text.length < 500) text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (e) => resolve({ status: 0, text: e.message }));
    req.end(payload);
  });
}

function postTargeted(seq: number, receiver: number) {
  if (post.kind === 'chipin') {
    return request(`/api/groups/${pairGroupId(receiver)}/bills`, targetedBill(seq, receiver), ownerToken(post.salt, receiver % OWNERS));
  }
  return request('/publish', { to: receiver, phase: 'bench', seq }, undefined);
}

const okStatus = () => (post.kind === 'chipin' ? 201 : 204);

async function until(condition: () => boolean, timeoutMs: number) {
  const end = performance.now() + timeoutMs;
  while (!condition() && performance.now() < end) await sleep(5);
}

/** Open loop at a fixed rate: requests start on schedule whether or not earlier ones have answered. */
async function runTargeted(
  rate: number,
  durationMs: number,
  receivers: number,
  drainMs: number,
  maxInFlight: number,
): Promise<TargetedResult> {
  targeted.clear();
  targetedSeen.clear();
  latencies = [];
  startedAt = [];
  misdelivered = 0;
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  let sent = 0;
  let inFlight = 0;
  let postErrors = 0;
  let firstPostError: string | undefined;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  phaseStart = t0;
  const fire = (seq: number) => {
    const receiver = randomInt(receivers);
    targeted.set(seq, { receiver, start: performance.now() });
    inFlight++;
    void postTargeted(seq, receiver).then(({ status, text }) => {
      inFlight--;
      if (status !== okStatus()) {
        postErrors++;
        firstPostError ??= `HTTP ${status} ${text.slice(0, 200)}`;
        targeted.delete(seq);
      }
    });
  };
  while (sent < total) {
    const now = performance.now();
    while (sent < total && t0 + (sent * 1000) / rate <= now) {
      if (inFlight >= maxInFlight) {
        // The server has stalled far beyond the target; count it, never queue without bound.
        postErrors++;
        firstPostError ??= `more than ${maxInFlight} requests in flight`;
        sent++;
        continue;
      }
      fire(nextSeq + sent++);
    }
    if (sent < total) await sleep(Math.max(0, t0 + (sent * 1000) / rate - performance.now()));
  }
  const sendMs = performance.now() - t0;
  // Sequence numbers continue across runs (warm-up, then measured), so a straggler of one run is never
  // taken for a delivery of the next.
  nextSeq += total;
  await until(() => inFlight === 0 && targeted.size === 0, drainMs);
  loop.disable();
  const lost = targeted.size;
  targeted.clear();
  return {
    sent,
    postErrors,
    firstPostError,
    received: latencies.length,
    lost,
    misdelivered,
    achievedRate: Math.round((sent / sendMs) * 1000),
    latencyMs: summarize(latencies),
    over10ms: latencies.filter((l) => l > 10).length,
    generatorLoopDelayMs: loopDelayMs(loop),
    worst: latencies
      .map((l, i) => ({ atMs: Math.round(startedAt[i]), latencyMs: Math.round(l * 100) / 100 }))
      .sort((a, b) => b.latencyMs - a.latencyMs)
      .slice(0, 8),
  };
}

async function runFanout(phase: 'fan' | 'all', reps: number, size: number, gapMs: number, timeoutMs: number): Promise<FanoutResult> {
  const times: number[] = [];
  let lost = 0;
  let postErrors = 0;
  for (let rep = 0; rep < reps; rep++) {
    const audience = phase === 'all' ? open : Math.min(size, open);
    const fan: Fan = { start: performance.now(), audience, remaining: audience, last: 0, seen: new Set() };
    const done = new Promise<void>((resolve) => (fan.done = resolve));
    fans.set(`${phase}:${rep}`, fan);
    const request_ =
      post.kind === 'chipin'
        ? request(`/api/groups/${FAN_GROUP_ID}/bills`, fanBill(rep, size), ownerToken(post.salt, 0))
        : request('/publish', { to: phase === 'all' ? 'all' : Array.from({ length: audience }, (_, i) => i), phase, seq: rep }, undefined);
    const { status } = await request_;
    if (status !== okStatus()) postErrors++;
    else await Promise.race([done, sleep(timeoutMs)]);
    if (fan.remaining === 0) times.push(fan.last - fan.start);
    else if (status === okStatus()) lost += fan.remaining;
    fans.delete(`${phase}:${rep}`);
    await sleep(gapMs);
  }
  const s = summarize(times);
  return { reps, size: phase === 'all' ? open : size, lost, postErrors, lastReceiptMs: { p50: s.p50, max: s.max } };
}

async function awaitBurst(timeoutMs: number): Promise<AwaitResult> {
  const t0 = performance.now();
  if (burstReceived < burstExpected) {
    await Promise.race([new Promise<void>((resolve) => (burstDone = resolve)), sleep(timeoutMs)]);
  }
  burstDone = undefined;
  return {
    expected: burstExpected,
    received: burstReceived,
    lost: Math.max(0, burstExpected - burstReceived),
    misdelivered: burstMisdelivered,
    ms: Math.round(performance.now() - t0),
  };
}

function status(): StatusResult {
  return { open, closedByServer, unexpected, duplicates };
}

async function handle(cmd: GeneratorCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'init':
      target = cmd.target;
      post = cmd.post;
      return undefined;
    case 'connect':
      return connect(cmd.from, cmd.to, cmd.concurrency, cmd.timeoutMs);
    case 'targeted':
      return runTargeted(cmd.rate, cmd.durationMs, cmd.receivers, cmd.drainMs, cmd.maxInFlight);
    case 'fanout':
      return runFanout(cmd.phase, cmd.reps, cmd.size, cmd.gapMs, cmd.timeoutMs);
    case 'expect':
      burstExpected = cmd.count;
      burstUsers = cmd.users;
      burstReceived = 0;
      burstMisdelivered = 0;
      return undefined;
    case 'await':
      return awaitBurst(cmd.timeoutMs);
    case 'status':
      return status();
    case 'close': {
      closing = true;
      // RST instead of FIN: no TIME_WAIT left behind on our ports for the next server of the run.
      for (const s of sockets) s?.resetAndDestroy();
      agent.destroy();
      setTimeout(() => process.exit(0), 50);
      return status();
    }
  }
}

if (!process.send) throw new Error('the load generator runs under bench/realtime.ts');
process.on('disconnect', () => process.exit(0));
process.on('message', (message: { seq: number; cmd: GeneratorCommand }) => {
  handle(message.cmd).then(
    (result) => process.send!({ seq: message.seq, ok: true, result } satisfies GeneratorReply),
    (e: unknown) => process.send!({ seq: message.seq, ok: false, error: String((e as Error).stack ?? e) } satisfies GeneratorReply),
  );
});
process.send({ type: 'ready' });
