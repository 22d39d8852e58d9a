"""Seed data for scripts/contract, through the gateway at BASE (argv[1]).

Signs up an instructor, creates a course with a thumbnail and one preview lecture (a tiny real MP4) and
publishes it, so reads, updates and OpenAPI links meet real resources; signs up a second user whose token
the session-ending run may revoke. Prints the two access tokens on one line. Standard library only.
"""

import json
import struct
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE = sys.argv[1]
PASSWORD = "contract-pass-1"


def call(method, path, token=None, body=None, content_type="application/json"):
    data = body
    if body is not None and content_type == "application/json":
        data = json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for attempt in range(50):
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            # 502/503 while a service is still loading the signing keys or connecting: try again shortly.
            if e.code not in (502, 503) or attempt == 49:
                sys.exit(f"{method} {path}: {e.code} {e.read()[:300]!r}")
            time.sleep(0.2)


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, content) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def boxed(kind, body):
    return struct.pack(">I", len(body) + 8) + kind + body


def mp4(timescale=1000, duration=30_000):
    mvhd = bytes(4) + bytes(8) + struct.pack(">II", timescale, duration)
    mvhd += bytes([0, 1, 0, 0, 1, 0]) + bytes(10 + 36 + 24) + struct.pack(">I", 2)
    return (
        boxed(b"ftyp", b"isom\0\0\x02\0isomiso2mp41")
        + boxed(b"mdat", b"\x42" * 4096)
        + boxed(b"moov", boxed(b"mvhd", mvhd))
    )


PNG = (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0").ljust(300, b"\0")


def sign_up(role):
    email = f"contract-{uuid.uuid4().hex[:12]}@example.com"
    body = {"name": "Contract Runner", "email": email, "password": PASSWORD, "role": role}
    return call("POST", "/api/v1/user/signup", body=body)["token"]


token = sign_up("instructor")
body, ctype = multipart(
    {"title": "Contract Course", "category": "Engineering", "price": "19.99", "level": "beginner"},
    {"thumbnail": ("thumb.png", PNG)},
)
course = call("POST", "/api/v1/courses", token, body, ctype)["course"]["_id"]
body, ctype = multipart(
    {"title": "Welcome", "order": "1", "isPreview": "true"}, {"video": ("clip.mp4", mp4())}
)
call("POST", f"/api/v1/courses/{course}/lectures", token, body, ctype)
call("PATCH", f"/api/v1/courses/{course}/publish", token, {"publish": True})
call("POST", "/api/v1/auth/api-keys", token, {"name": "contract"})
print(token, sign_up("student"))
