// A round-robin TCP load balancer on loopback, as nginx or an L4 balancer
// would sit in front of several flaglive-server instances: each new
// connection goes to the next instance; an instance that refuses the
// connection (stopped, crashed) is skipped. It also counts the stream
// requests each instance got, so a test can stop the busiest one.
import net from 'node:net';

const STREAM_REQUEST = 'GET /api/feature-flags/sse';

export class Balancer {
  /** Stream requests sent to each backend, by index. */
  streams;
  #next = 0;
  #sockets = new Set();

  static async start(backendPorts) {
    const b = new Balancer();
    b.ports = backendPorts;
    b.streams = backendPorts.map(() => 0);
    b.server = net.createServer((client) => b.#accept(client));
    await new Promise((r) => b.server.listen(0, '127.0.0.1', r));
    b.url = `http://127.0.0.1:${b.server.address().port}`;
    return b;
  }

  #accept(client) {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    const pending = [];
    let upstream = null;
    let backend = -1;
    // The end of what came before, so a request line split across two
    // chunks is counted too (under load one was missed).
    let carry = '';
    const forward = (chunk) => {
      // Request lines only: the tests send no bodies that could hold one.
      const text = carry + chunk.toString('latin1');
      this.streams[backend] += text.split(STREAM_REQUEST).length - 1;
      carry = text.slice(-(STREAM_REQUEST.length - 1));
      upstream.write(chunk);
    };
    client.on('data', (chunk) => (upstream ? forward(chunk) : pending.push(chunk)));
    client.on('error', () => upstream?.destroy());
    client.on('close', () => upstream?.destroy());
    const attempt = (tries) => {
      const index = this.#next++ % this.ports.length;
      const up = net.connect(this.ports[index], '127.0.0.1');
      up.once('connect', () => {
        upstream = up;
        backend = index;
        this.#sockets.add(up);
        up.on('close', () => { this.#sockets.delete(up); client.destroy(); });
        for (const chunk of pending.splice(0)) forward(chunk);
        up.pipe(client);
      });
      up.once('error', () => {
        if (upstream) return up.destroy();
        if (tries + 1 < this.ports.length) attempt(tries + 1);
        else client.destroy(); // every instance is down
      });
    };
    attempt(0);
  }

  /** Waits until `n` stream requests have passed in all (a client is
   *  ready with its snapshot while its stream may still be connecting). */
  async streamsReach(n, timeoutMs = 10_000) {
    const total = () => this.streams.reduce((a, b) => a + b, 0);
    for (const until = Date.now() + timeoutMs; total() < n && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
    return total();
  }

  async stop() {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
