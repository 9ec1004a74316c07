# How long /api/health takes for a new address while 10 addresses hold
# 1 000 idle keep-alive connections each, every one after one /api/health
# (the outside probe's F3): the server's default cap is 10 000 connections,
# so they fill it. A benchmark, not a test: prints one JSON line.
#   python3 bench/idle-connections.py target/release/flaglive-server [server options...]
import json, os, resource, socket, statistics, subprocess, sys, tempfile, time
binary, extra = sys.argv[1], sys.argv[2:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))  # the server inherits it
port = 19200 + os.getpid() % 500
db = tempfile.mkdtemp() + '/f.sqlite'
srv = subprocess.Popen([binary, '--database', db, '--listen', f'127.0.0.1:{port}', *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
REQUEST = b'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n'

def ask(source):
    """One /api/health on a new connection from `source`: (ms, answered, the socket)."""
    start = time.perf_counter()
    s = socket.socket()
    s.settimeout(5)
    try:
        s.bind((source, 0)); s.connect(('127.0.0.1', port)); s.sendall(REQUEST)
        answered = s.recv(4096).startswith(b'HTTP/1.1 200')  # the whole small answer
    except OSError:
        answered = False
    return (time.perf_counter() - start) * 1000, answered, s

for _ in range(100):
    if ask('127.0.0.1')[1]: break
    time.sleep(0.1)
time.sleep(0.5)
held, started = [], time.perf_counter()
for a in range(10):
    for _ in range(1000):
        ms, ok, s = ask(f'127.0.0.{a + 2}')
        if ok: held.append(s)
        else: s.close()
filled_s = time.perf_counter() - started
times, answered = [], 0
for i in range(20):
    ms, ok, s = ask('127.0.0.200')
    s.close()
    times.append(ms); answered += ok
    time.sleep(0.05)
time.sleep(0.5)
def open_count():
    n = 0
    for s in held:
        s.setblocking(False)
        try: n += s.recv(1, socket.MSG_PEEK) != b''
        except BlockingIOError: n += 1
        except OSError: pass
    return n
print(json.dumps({'args': extra, 'idle_held': len(held), 'filled_in_s': round(filled_s, 1),
                  'fresh_answered': f'{answered}/20', 'fresh_median_ms': round(statistics.median(times), 1),
                  'fresh_max_ms': round(max(times), 1), 'idle_still_open': open_count()}))
srv.kill()
