// One EventSource per base URL and credentials mode, shared by the page's
// clients (a browser allows few connections per origin): its own reconnect
// backoff, a watchdog for silent streams, detection of a stream a proxy
// holds, and Last-Event-ID carried across reopenings. It hands each message
// to its members as the text that arrived; what it means is theirs to ask
// the core. A member has onMessage(text), onStreamHeld(why), onStreamDown()
// and `o` (its checked options).
import * as io from './io.js';
import { backoff, HEALTHY_MS } from './options.js';

/** The page's streams by key (credentials mode and URL). */
export const sources = new Map();
let warnedBlocked = false;

export class SharedSource {
  constructor(address, sendsCookies, o) {
    Object.assign(this, { address, sendsCookies, idleMs: o.streamTimeoutMs, startMs: o.streamStartTimeoutMs, members: new Set(),
      failures: 0, opened: 0 });
  }

  join(client) {
    this.members.add(client);
    this.idleMs = Math.min(this.idleMs, client.o.streamTimeoutMs);
    this.startMs = Math.min(this.startMs, client.o.streamStartTimeoutMs);
    if (!this.es && !this.reconnectTimer) this.open();
  }

  leave(client) {
    this.members.delete(client);
    if (!this.members.size) {
      this.shut();
      sources.delete(this.key);
    }
  }

  /** After a sign-in change the stream must carry the new session. */
  restart() {
    this.shut();
    this.failures = 0;
    this.lastId = null;
    this.open();
  }

  shut() {
    if (this.es) {
      this.es.onmessage = this.es.onerror = null;
      this.es.close();
      this.es = null;
    }
    for (const t of [this.reconnectTimer, this.watchdog, this.startTimer]) io.clearTimeout(t);
    this.reconnectTimer = undefined; // join() reads it; the others are only cleared
  }

  open() {
    // A reopened stream loses the browser's Last-Event-ID; send it along.
    const url = this.lastId ? `${this.address}${this.address.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(this.lastId)}`
      : this.address;
    let es;
    try { es = new (io.EventSource())(url, { withCredentials: this.sendsCookies }); } catch { return; }
    es.onmessage = (e) => {
      this.lastSeen = io.now();
      io.clearTimeout(this.startTimer);
      this.blocked = null;
      if (e.lastEventId) this.lastId = e.lastEventId;
      if (typeof e.data !== 'string') return;
      for (const m of [...this.members]) m.onMessage(e.data);
    };
    es.onerror = () => this.broken();
    this.es = es;
    this.opened++;
    this.openedAt = this.lastSeen = io.now();
    this.watch(this.idleMs);
    this.startTimer = io.setTimeout(() => this.held(), this.startMs);
  }

  /** Opened, yet not even the server's first message came through:
   *  `blocked` says why until a message does. */
  held() {
    if (!this.es) return;
    this.blocked = `flaglive: no live stream data in ${this.startMs} ms: a proxy is buffering or compressing it; re-reading flags instead`;
    if (!warnedBlocked) {
      warnedBlocked = true;
      console.warn(`${this.blocked}. ${this.address}: see README "Behind a proxy"`);
    }
    for (const m of [...this.members]) m.onStreamHeld(this.blocked);
    this.broken();
  }

  /** A stream silent for longer than the idle limit is broken (a proxy holding it). */
  watch(ms) {
    this.watchdog = io.setTimeout(() => {
      if (!this.es) return;
      const left = this.idleMs - (io.now() - this.lastSeen);
      if (left > 0) this.watch(left + 1);
      else this.broken();
    }, ms);
  }

  broken() {
    const healthy = this.es && io.now() - this.openedAt > HEALTHY_MS;
    this.shut();
    if (healthy) this.failures = 0;
    this.reconnectTimer = io.setTimeout(() => { this.reconnectTimer = undefined; this.open(); }, backoff(this.failures++));
    for (const m of [...this.members]) m.onStreamDown();
  }
}
