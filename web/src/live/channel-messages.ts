// What the tabs of one browser say to each other over BroadcastChannel (one channel per signed-in user).
import type { ConnectionState } from '../../../src/client/index.ts';
import type { Notification } from '../../../src/contract/events.ts';
import type { Transport } from './transport-setting.ts';

export type ChannelMessage =
  /** Leader → tabs: a notification off the stream. */
  | { type: 'notification'; notification: Notification }
  /** Leader → tabs: a group's bills or balances changed (not stored, never replayed). */
  | { type: 'group.updated'; groupId: string; version: number }
  /** Leader → tabs: the server's ids restarted below ours; reload the inbox. */
  | { type: 'reset'; id: string }
  /** Leader → tabs: the stream's state, on every change and in answer to `hello`. */
  | { type: 'state'; state: ConnectionState; transport: Transport; lastId: string | undefined }
  /** A new tab asks the leader for its state. */
  | { type: 'hello' }
  /**
   * Any tab → leader: the transport setting changed; reopen the stream with it. The value travels with
   * the message: another tab's localStorage write can reach the leader after this message does.
   */
  | { type: 'transport'; transport: Transport }
  /** Any tab → tabs: notifications were marked read; reload the inbox. */
  | { type: 'read' }
  /** Any tab → tabs: the user signed out. */
  | { type: 'signed-out' };
