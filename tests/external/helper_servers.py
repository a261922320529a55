"""Servers the credential-helper tests point real clients at, each requiring one credential.

  git    plain HTTP on 127.0.0.1: git's smart HTTP protocol through `git http-backend` (run as a
         CGI program per request) behind HTTP Basic authentication, as a forge serves it. Any
         user name; the password must be the expected token.
  kube   HTTPS (the test's own CA): a stub Kubernetes API server answering GET /version to a
         request with `Authorization: Bearer <expected token>`, 401 otherwise, as kube-apiserver.
  registry  plain HTTP on 127.0.0.1: a stub container registry (the distribution API's /v2/ and
         one image manifest) behind HTTP Basic authentication, any user name, the token as the
         password, as registries that take tokens do.

The expected token is read from --token-file. Every request is appended to --log as one JSON line
(method, path, whether it was authorised), never the credential itself.

Usage: helper_servers.py git|kube|registry --port-file F --log F --token-file F [--root DIR]
                                  [--cert PEM --key PEM]
"""

import argparse
import base64
import hashlib
import json
import os
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()

# The one image's config blob, which its manifest names by digest.
CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, auth):
        with LOCK:
            with open(self.server.log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path, "auth": auth}) + "\n")

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        body = self.body()
        if self.server.mode == "git":
            self.git(body)
        elif self.server.mode == "registry":
            self.registry()
        else:
            self.kube()

    def do_HEAD(self):
        self.serve()

    def git(self, body):
        auth = self.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                ok = bool(user) and password == self.server.token
            except ValueError:
                ok = False
        self.record("ok" if ok else ("missing" if not auth else "wrong"))
        if not ok:
            self.answer(401, "authentication required\n", [("WWW-Authenticate", 'Basic realm="git"')])
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.server.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": self.client_address[0],
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": self.server.root,
        }
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, data = out.partition(b"\r\n\r\n")
        if not _:
            head, _, data = out.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode().splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.answer(status, data, headers)

    def registry(self):
        auth = self.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                ok = bool(user) and password == self.server.token
            except ValueError:
                ok = False
        self.record("ok" if ok else ("missing" if not auth else "wrong"))
        api = ("Docker-Distribution-API-Version", "registry/2.0")
        if not ok:
            self.answer(401, '{"errors":[{"code":"UNAUTHORIZED"}]}',
                        [api, ("WWW-Authenticate", 'Basic realm="registry"'),
                         ("Content-Type", "application/json")])
        elif self.path == "/v2/":
            self.answer(200, "{}", [api, ("Content-Type", "application/json")])
        elif "/blobs/sha256:" + hashlib.sha256(CONFIG).hexdigest() in self.path:
            self.answer(200, CONFIG, [api, ("Content-Type", "application/octet-stream")])
        elif "/manifests/" in self.path:
            config = CONFIG
            manifest = json.dumps({
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "size": len(config),
                           "digest": "sha256:" + hashlib.sha256(config).hexdigest()},
                "layers": [],
            }).encode()
            digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
            ctype = "application/vnd.docker.distribution.manifest.v2+json"
            self.answer(200, manifest,
                        [api, ("Content-Type", ctype), ("Docker-Content-Digest", digest)])
        else:
            self.answer(404, '{"errors":[{"code":"NAME_UNKNOWN"}]}', [api])

    def kube(self):
        ok = self.headers.get("Authorization", "") == "Bearer " + self.server.token
        self.record("ok" if ok else "wrong")
        if not ok:
            status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
            self.answer(401, json.dumps(status), [("Content-Type", "application/json")])
        elif self.path == "/version":
            version = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-agentcred-stub",
                       "platform": "linux/amd64"}
            self.answer(200, json.dumps(version), [("Content-Type", "application/json")])
        else:
            self.answer(404, "{}", [("Content-Type", "application/json")])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["git", "kube", "registry"])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--root")
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.mode = a.mode
    server.log = a.log
    server.root = a.root
    with open(a.token_file) as f:
        server.token = f.read().strip()
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
