"""A small client of the platform's public API through the gateway, with the standard library only.

Used by scripts/smoke.py (the journey scripts/test drives through `./scripts/run` and through compose) and by
scripts/demo.py (the demo data). Every call is checked: an unexpected status raises with the answer's body.
"""

import json
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A real VP8 clip (8 s), the same one the browser test plays.
LECTURE_WEBM = ROOT / "e2e" / "browser" / "lecture.webm"
PASSWORD = "Passw0rd-smoke"


class ApiError(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to look at (Checkout's 303 goes to the frontend), not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def png(width=4, height=4, rgb=(40, 120, 200)):
    """A valid PNG image, for course thumbnails."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def multipart(fields, file=None):
    """(body, content type) of a multipart form: text `fields` and one optional (name, filename, bytes, type)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    if file:
        name, filename, data, ctype = file
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body or b"null")


def request(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=timeout) as res:
            return Response(res.status, res.headers, res.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, err.headers, err.read())


class Client:
    """One user's view of the gateway at `base` (e.g. http://127.0.0.1:4000), with a bearer token once signed in."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None
        self.user = None

    def url(self, path):
        return path if path.startswith("http") else f"{self.base}{path}"

    def call(self, method, path, expect, json_body=None, body=None, headers=None):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        res = request(method, self.url(path), body, headers)
        # Sign-ins are rate limited per address: a script that signs several accounts in waits its turn. A 503
        # says "retry shortly" (a service that started beside auth-service may not have its keys yet).
        wanted_now = expect if isinstance(expect, (tuple, list, set)) else (expect,)
        for _ in range(20):
            if res.status not in (429, 503) or res.status in wanted_now:
                break
            time.sleep(min(float(res.headers.get("Retry-After") or 1), 30.0))
            res = request(method, self.url(path), body, headers)
        wanted = expect if isinstance(expect, (tuple, list, set)) else (expect,)
        if res.status not in wanted:
            raise ApiError(f"{method} {path}: {res.status}, wanted {expect}: {res.body[:500]!r}")
        return res

    def api(self, method, path, expect=200, **kwargs):
        return self.call(method, f"/api/v1{path}", expect, **kwargs).json()

    def sign_up(self, name, email, role="student", password=PASSWORD):
        body = self.api(
            "POST", "/user/signup", 201, json_body={"name": name, "email": email, "password": password, "role": role}
        )
        self.token, self.user = body["token"], body["user"]
        return body

    def sign_in(self, email, password=PASSWORD, expect=200):
        res = self.call("POST", "/api/v1/user/signin", expect, json_body={"email": email, "password": password})
        if res.status == 200:
            body = res.json()
            self.token, self.user = body["token"], body["user"]
        return res

    def create_course(self, title, price, category="Programming", level="beginner", description=""):
        body, ctype = multipart(
            {"title": title, "category": category, "price": price, "level": level, "description": description,
             "subtitle": "A short course"},
            ("thumbnail", "thumb.png", png(), "image/png"),
        )
        return self.api("POST", "/courses", 201, body=body, headers={"Content-Type": ctype})["course"]

    def add_lecture(self, course_id, title, order, preview, video=None):
        video = video if video is not None else LECTURE_WEBM.read_bytes()
        body, ctype = multipart(
            {"title": title, "order": str(order), "isPreview": "true" if preview else "false"},
            ("video", "lecture.webm", video, "video/webm"),
        )
        return self.api("POST", f"/courses/{course_id}/lectures", 201, body=body, headers={"Content-Type": ctype})[
            "lecture"
        ]

    def publish(self, course_id):
        return self.api("PATCH", f"/courses/{course_id}/publish", json_body={"publish": True})

    def checkout(self, course_id):
        """Starts a checkout; returns the Checkout Session (`id`, `url`)."""
        return self.api("POST", "/payments/create-checkout-session", 201, json_body={"courseId": course_id})["data"][
            "session"
        ]


def pay_on_simulator_page(page_url):
    """Pays on stripe-sim's hosted page as a buyer's browser would: GET the page, POST `action=pay`; returns the
    303's Location."""
    res = request("GET", page_url)
    if res.status != 200:
        raise ApiError(f"checkout page {page_url}: {res.status}")
    res = request(
        "POST", page_url, b"action=pay", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if res.status != 303:
        raise ApiError(f"paying on {page_url}: {res.status}: {res.body[:300]!r}")
    return res.headers["Location"]


def eventually(what, fn, timeout=20.0, interval=0.25):
    """Calls `fn` until it returns something truthy (events travel between services); raises after `timeout`."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except ApiError as err:
            last = err
        time.sleep(interval)
    raise ApiError(f"{what}: not within {timeout}s (last error: {last})")


def unique(label):
    return f"{label}-{uuid.uuid4().hex[:10]}"


def quote(value):
    return urllib.parse.quote(value, safe="")
