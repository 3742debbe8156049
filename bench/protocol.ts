// What the orchestrator (bench/realtime.ts) and the load generator (bench/load-generator.ts) say to each
// other over the IPC channel. Servers are driven through their loopback admin endpoint instead (bench/admin.ts).

export type StreamKind = 'sse' | 'ws' | 'socketio';

export type StreamTarget = {
  kind: StreamKind;
  host: string;
  port: number;
  path: string;
  salt: string;
  /** Source addresses, round robin, so 10,000 connections do not exhaust one address's ephemeral ports. */
  localAddresses: string[];
};

/** Where the generator sends the requests that cause deliveries. */
export type PostTarget = { kind: 'chipin'; host: string; port: number; salt: string } | { kind: 'reference'; host: string; port: number };

export type GeneratorCommand =
  | { type: 'init'; target: StreamTarget; post: PostTarget }
  | { type: 'connect'; from: number; to: number; concurrency: number; timeoutMs: number }
  | { type: 'targeted'; rate: number; durationMs: number; receivers: number; drainMs: number; maxInFlight: number }
  | { type: 'fanout'; phase: 'fan' | 'all'; reps: number; size: number; gapMs: number; timeoutMs: number }
  | { type: 'expect'; phase: 'burst'; count: number; users: number }
  | { type: 'await'; phase: 'burst'; timeoutMs: number }
  | { type: 'status' }
  | { type: 'close' };

export type ConnectResult = { opened: number; failed: number; firstError: string | undefined; ms: number };

export type TargetedResult = {
  sent: number;
  postErrors: number;
  firstPostError: string | undefined;
  received: number;
  lost: number;
  misdelivered: number;
  achievedRate: number;
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  /** How many deliveries took over 10 ms, and the slowest, with when their request started (ms into the phase). */
  over10ms: number;
  /** The generator's own event-loop delay during the phase: its stalls would look like the server's. */
  generatorLoopDelayMs: { p50: number; p99: number; max: number };
  worst: { atMs: number; latencyMs: number }[];
};

export type FanoutResult = { reps: number; size: number; lost: number; postErrors: number; lastReceiptMs: { p50: number; max: number } };

export type AwaitResult = { expected: number; received: number; lost: number; misdelivered: number; ms: number };

export type StatusResult = { open: number; closedByServer: number; unexpected: number; duplicates: number };

export type GeneratorReply = { seq: number; ok: true; result: unknown } | { seq: number; ok: false; error: string };
