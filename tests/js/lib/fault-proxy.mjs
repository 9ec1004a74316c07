// A fault-injecting HTTP proxy for the reliability tests: it sits on
// loopback between Chromium and flaglive-server and, when told to, breaks
// the snapshot request or the event stream the way real networks, proxies
// and load balancers do. Everything else is forwarded untouched.
import http from 'node:http';
import zlib from 'node:zlib';

const HTML = '<!doctype html><title>Maintenance</title><h1>We will be back soon</h1>';

/** What a request is, for counting and for faults. */
function kindOf(url) {
  if (url.startsWith('/api/feature-flags/snapshot')) return 'snapshot';
  if (url.startsWith('/api/feature-flags/sse')) return 'stream';
  return 'other';
}

/** A stream block carrying a change (not the hello, not a ping). */
function isChange(block) {
  return block.includes('data:') && !/"type":"(connection|ping)"/.test(block);
}

export class FaultProxy {
  /** How new snapshot requests / new stream requests are answered:
   *  null (forwarded), 'status500', 'status502', 'html' (200 text/html),
   *  'drop' (connection closed, no answer), 'stall' (never answered). */
  snapshotFault = null;
  streamFault = null;
  /** What happens to change events on open streams: null, 'duplicate'
   *  (each sent twice), 'reorder' (each pair swapped; a change left without
   *  a partner goes on alone after 300 ms), 'truncate' (the next
   *  one cut mid-line, then the connection dropped; once). */
  streamEdit = null;
  /** While true, new streams are gzipped without flushing, whatever
   *  Cache-Control says: a compressing proxy that holds the stream (what
   *  Next.js rewrites did before the server sent no-transform). */
  compressStreams = false;
  /** While true, open streams pass nothing on (a proxy that went silent). */
  silent = false;
  /** While true, new stream requests wait here, not yet at the server,
   *  until `releaseStreams()`: a slow stream start. */
  holdStreams = false;
  /** While true, snapshot answers wait here, already written by the
   *  server, until `releaseSnapshots()`: a slow response. */
  holdSnapshots = false;
  /** Requests seen, by kind. */
  counts = { snapshot: 0, stream: 0, other: 0 };
  #streams = new Set();
  #stalled = new Set();
  #waiting = [];
  #answers = [];

  static async start(targetUrl) {
    const proxy = new FaultProxy();
    proxy.target = new URL(targetUrl);
    proxy.server = http.createServer((req, res) => proxy.#handle(req, res));
    await new Promise((r) => proxy.server.listen(0, '127.0.0.1', r));
    proxy.url = `http://127.0.0.1:${proxy.server.address().port}`;
    return proxy;
  }

  /** Drops every open stream connection, as a restarted load balancer does. */
  cutStreams() {
    for (const res of this.#streams) res.socket?.destroy();
    this.#streams.clear();
  }

  /** Forwards the stream requests `holdStreams` kept back; holds no more. */
  releaseStreams() {
    this.holdStreams = false;
    for (const forward of this.#waiting.splice(0)) forward();
  }

  /** Stream requests `holdStreams` is keeping back. */
  get waitingStreams() {
    return this.#waiting.length;
  }

  /** Passes on the snapshot answers `holdSnapshots` kept back; holds no more. */
  releaseSnapshots() {
    this.holdSnapshots = false;
    for (const answer of this.#answers.splice(0)) answer();
  }

  /** Snapshot answers `holdSnapshots` is keeping back. */
  get heldSnapshots() {
    return this.#answers.length;
  }

  /** Stalled requests the client has not given up on yet. */
  get stalledRequests() {
    return this.#stalled.size;
  }

  /** Streams currently open through the proxy. */
  get openStreams() {
    return this.#streams.size;
  }

  async stop() {
    this.cutStreams();
    for (const res of this.#stalled) res.socket?.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  #handle(req, res) {
    const kind = kindOf(req.url);
    this.counts[kind] += 1;
    const fault = kind === 'snapshot' ? this.snapshotFault : kind === 'stream' ? this.streamFault : null;
    switch (fault) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'stall':
        this.#stalled.add(res);
        res.on('close', () => this.#stalled.delete(res));
        return;
      case 'status500':
      case 'status502':
        res.writeHead(Number(fault.slice(6)), { 'content-type': 'text/plain' });
        res.end(fault === 'status500' ? 'Internal Server Error' : 'Bad Gateway');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(HTML);
        return;
      default:
        if (kind === 'stream' && this.holdStreams) this.#waiting.push(() => this.#forward(req, res, kind));
        else this.#forward(req, res, kind);
    }
  }

  #forward(req, res, kind) {
    // Counted as open from the request on, so cutStreams() also catches a
    // stream whose response has not started yet.
    if (kind === 'stream') {
      this.#streams.add(res);
      res.on('close', () => this.#streams.delete(res));
    }
    const upstream = http.request({
      host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers,
    }, (up) => {
      if (kind === 'stream' && up.statusCode === 200 && this.compressStreams) {
        const { 'content-length': _, ...headers } = up.headers;
        res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
        up.pipe(zlib.createGzip()).pipe(res);
        return;
      }
      const answer = () => {
        res.writeHead(up.statusCode, up.headers);
        if (kind === 'stream' && up.statusCode === 200) this.#relayStream(up, res);
        else up.pipe(res);
      };
      if (kind === 'snapshot' && this.holdSnapshots) this.#answers.push(answer);
      else answer();
    });
    upstream.on('error', () => res.socket?.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  /** Passes the event stream on block by block, applying `streamEdit`. */
  #relayStream(up, res) {
    let buffer = '';
    let held = null; // a change block kept back to swap with the next
    up.setEncoding('utf8');
    up.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while (!this.silent && (end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 2);
        if (!isChange(block)) {
          res.write(block);
        } else if (this.streamEdit === 'duplicate') {
          res.write(block + block);
        } else if (this.streamEdit === 'reorder' && held === null) {
          held = block;
          // Swapped with the next change, but never held for good: a lone
          // last change (a stream reopened mid-pair, say) still arrives.
          const lone = block;
          setTimeout(() => {
            if (held === lone) {
              held = null;
              if (!res.destroyed) res.write(lone);
            }
          }, 300);
        } else if (this.streamEdit === 'truncate') {
          this.streamEdit = null;
          const cut = block.indexOf('data:') + Math.floor((block.length - block.indexOf('data:')) / 2);
          res.write(block.slice(0, cut), () => res.socket?.destroy());
          return;
        } else {
          res.write(held === null ? block : block + held);
          held = null;
        }
      }
    });
    up.on('end', () => res.end());
  }
}
