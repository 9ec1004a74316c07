# RSS growth of flaglive-server while 128 streams of one user reconnect with
# an old Last-Event-ID (1 024 changes of about 6 KB behind) and never read
# (the outside probe's F1). A benchmark, not a test: prints one JSON line.
#   python3 bench/replay-memory.py target/debug/flaglive-server [server options...]
import json, os, socket, subprocess, sys, time, urllib.request, tempfile
binary, extra = sys.argv[1], sys.argv[2:]
port = 18700 + os.getpid() % 500
db = tempfile.mkdtemp() + '/f.sqlite'
srv = subprocess.Popen([binary, '--database', db, '--listen', f'127.0.0.1:{port}', '--seed-demo', *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f'http://127.0.0.1:{port}'
for _ in range(100):
    try: urllib.request.urlopen(base + '/api/health'); break
    except Exception: time.sleep(0.1)
def call(method, path, body=None, cookie=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'content-type': 'application/json', **({'cookie': cookie} if cookie else {})})
    with urllib.request.urlopen(req) as r:
        return r.headers.get('set-cookie'), r.read()
def login(u, p):
    c, _ = call('POST', '/api/auth/login', {'username': u, 'password': p}); return c.split(';')[0]
admin = login('admin', 'admin-demo'); maria = login('maria', 'md-demo')
desc = 'd' * 3000
call('POST', '/api/admin/flags', {'flagName': 'f1_probe', 'enabled': True, 'description': desc}, admin)
first = json.loads(call('GET', '/api/health')[1])['version']
for i in range(1024):
    call('PATCH', '/api/admin/flags/f1_probe', {'description': f'{desc}{i}'}, admin)
def rss():
    for line in open(f'/proc/{srv.pid}/status'):
        if line.startswith('VmRSS'): return int(line.split()[1]) / 1024
time.sleep(1); before = rss()
conns = []
for _ in range(128):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(f'GET /api/feature-flags/sse HTTP/1.1\r\nHost: x\r\nCookie: {maria}\r\nLast-Event-ID: {first}\r\n\r\n'.encode())
    s.recv(200)  # the status line, then nothing more is read
    conns.append(s)
time.sleep(4); after = rss()
print(json.dumps({'args': extra, 'rss_before_mb': round(before), 'rss_after_mb': round(after), 'growth_mb': round(after - before)}))
srv.kill()
