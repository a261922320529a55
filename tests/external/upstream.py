"""An upstream API for the broker tests: HTTPS with its own CA (or plain HTTP), HTTP/1.1 keep-alive.

Every request it receives is appended to --log as one JSON line (method, path with query, headers,
body length), so a test can assert what reached the upstream and what did not.

Routes:
  /echo...          200, JSON of the request as received (method, path, headers)
  /status/N         status N, a small JSON body
  /slow/MS          200 after MS milliseconds
  /sse              text/event-stream: three events, 300 ms apart, flushed one by one
  /upload           reads the whole body (Content-Length or chunked) and answers its size
  /reflect          200, text: the request's Authorization header, as an API that echoes a key would
  /gzip             the same, gzip-compressed whatever the request accepts

Usage: upstream.py --port-file F --log F [--cert PEM --key PEM]
"""

import argparse
import gzip
import hashlib
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, body_len):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "body_len": body_len,
        }
        with LOCK:
            with open(self.server.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
        return entry

    def read_body(self):
        h = hashlib.sha256()
        n = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = size
                while left:
                    chunk = self.rfile.read(min(left, 1 << 16))
                    h.update(chunk)
                    n += len(chunk)
                    left -= len(chunk)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                h.update(chunk)
                n += len(chunk)
                left -= len(chunk)
        return n, h.hexdigest()

    def answer(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        n, digest = self.read_body()
        entry = self.record(n)
        path = self.path.split("?", 1)[0]
        if path.startswith("/status/"):
            status = int(path.split("/")[2])
            self.answer(status, json.dumps({"status": status}))
        elif path.startswith("/slow/"):
            time.sleep(int(path.split("/")[2]) / 1000)
            self.answer(200, json.dumps({"slow": True}))
        elif path == "/sse":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(3):
                event = f"data: event {i} at {time.monotonic():.3f}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
                time.sleep(0.3)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        elif path == "/upload":
            self.answer(200, json.dumps({"bytes": n, "sha256": digest}))
        elif path == "/gzip":
            # An upstream that compresses whatever it was asked for, echoing the key.
            data = gzip.compress(("your key is " + self.headers.get("Authorization", "")).encode())
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif path == "/reflect":
            self.answer(200, "your key is " + self.headers.get("Authorization", "") + "\n", "text/plain")
        else:
            self.answer(200, json.dumps(entry))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log = a.log
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        ctx.set_alpn_protocols(["http/1.1"])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, a.port_file)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
