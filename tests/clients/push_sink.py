"""A Web Push service of our own for the client conformance test, and the checks a push service and
a user agent make on what arrives, done with implementations that are not the server's.

`PushSink` is an HTTP server on 127.0.0.1 (a free port, a daemon thread) that plays the push
service of RFC 8030: it records every `POST /push/<name>` (headers and body) and answers
`201 Created`, or the status set for that name with `answer_with` (410 Gone: the subscription is
over). `verify_vapid` checks the sender's RFC 8292 authorization (the ES256 JWT and its claims,
verified with `cryptography`); `decrypt_aes128gcm` decrypts an RFC 8291 payload with `http_ece`.
The legacy `aesgcm` payloads are decrypted by Mastodon.py itself (`push_subscription_decrypt_push`),
in push_checks.py.

Nothing here imports the test: a failure is a `PushError` whose message says what arrived.
"""

import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import http_ece
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    CRYPTO_MISSING = None
except ImportError as exc:  # the checks say so; the rest of the test still runs
    CRYPTO_MISSING = exc

# Largest body taken (RFC 8030 push services must accept 4096 bytes of payload).
MAX_BODY = 64 * 1024
# How far in the future a VAPID JWT may expire (RFC 8292 section 2: no more than 24 hours).
MAX_EXPIRY = 24 * 3600
# Clock slack between the server and the test (same machine: a few seconds is plenty).
CLOCK_SLACK = 60
URGENCIES = ("very-low", "low", "normal", "high")


class PushError(Exception):
    """What arrived is not what a push service or user agent accepts."""


def b64url_decode(text):
    """Base64url with or without padding (RFC 8291 and 8292 use it unpadded); standard base64's
    `+` and `/` are accepted too, as Mastodon.py's own decoding does."""
    text = str(text).strip()
    return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def short(text, limit=300):
    text = str(text).replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."


# --- The push service -----------------------------------------------------------------------------


class PushSink:
    """Records pushes: each a dict of `name`, `path`, `headers` (lower-case names), `body` (bytes),
    `at` (time.time()) and `status` (what the sink answered)."""

    def __init__(self, host="127.0.0.1"):
        self._lock = threading.Condition()
        self._records = []
        self._answers = {}
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the checks print what matters
                pass

            def _answer(self, status, location=None):
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _body(self):
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline().strip():  # trailers
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                        if sum(map(len, chunks)) > MAX_BODY:
                            raise ValueError("body too large")
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    raise ValueError("body too large")
                return self.rfile.read(length)

            def do_POST(self):
                path = urllib.parse.urlsplit(self.path).path
                if not path.startswith("/push/") or len(path) <= len("/push/"):
                    self._answer(404)
                    return
                name = path[len("/push/"):]
                try:
                    body = self._body()
                except ValueError:
                    self.close_connection = True
                    self._answer(413)
                    return
                status = sink._answers.get(name, 201)
                record = {
                    "name": name, "path": path, "body": body, "at": time.time(), "status": status,
                    "headers": {key.lower(): value for key, value in self.headers.items()},
                }
                with sink._lock:
                    sink._records.append(record)
                    sink._lock.notify_all()
                self._answer(status, location=f"/message/{len(sink._records)}" if status == 201 else None)

            def _refuse(self):
                self._answer(405)

            do_GET = do_PUT = do_DELETE = do_PATCH = _refuse

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, name="push-sink", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    @property
    def origin(self):
        """scheme://host:port of every endpoint: what a VAPID JWT's `aud` must be."""
        return f"http://{self.host}:{self.port}"

    def url(self, name):
        return f"{self.origin}/push/{name}"

    def answer_with(self, name, status):
        """Answer pushes to `name` with `status` from now on (410: the subscription is gone)."""
        self._answers[name] = status

    def received(self, name=None):
        with self._lock:
            return [r for r in self._records if name is None or r["name"] == name]

    def wait(self, name, count, timeout):
        """Waits until `name` has more than `count` pushes or `timeout` seconds pass; returns its
        pushes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                records = [r for r in self._records if r["name"] == name]
                left = deadline - time.monotonic()
                if len(records) > count or left <= 0:
                    return records
                self._lock.wait(left)


# Headers of the transport, left out of descriptions.
TRANSPORT_HEADERS = {"host", "accept", "accept-encoding", "connection", "content-length", "user-agent",
                     "transfer-encoding"}


def describe(record, extra=None):
    """One line about a recorded push, for failure messages."""
    headers = ", ".join(f"{k}: {short(v, 120)}" for k, v in sorted(record["headers"].items())
                        if k not in TRANSPORT_HEADERS)
    text = f"POST {record['path']} [{headers}] body {len(record['body'])} bytes"
    if extra is not None:
        text += f" -> {short(extra, 400)}"
    return text


# --- What a push service checks: VAPID (RFC 8292) --------------------------------------------------


def header_params(value, separators=";,"):
    """`a=b; c=d` or `a=b, c=d` as a dict (names lower-case; values keep their case)."""
    params = {}
    for separator in separators[1:]:
        value = value.replace(separator, separators[0])
    for part in value.split(separators[0]):
        if "=" in part:
            key, _, item = part.strip().partition("=")
            params[key.strip().lower()] = item.strip().strip('"')
    return params


def vapid_credentials(headers, standard):
    """(JWT, public key text, form) from the headers: `Authorization: vapid t=..., k=...`
    (RFC 8292, required of standard subscriptions), or for legacy ones also the draft form
    `Authorization: WebPush <jwt>` with the key in `Crypto-Key: ...;p256ecdsa=<key>`."""
    authorization = headers.get("authorization", "")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "vapid":
        params = header_params(rest, ",;")
        if not params.get("t") or not params.get("k"):
            raise PushError(f"Authorization {short(authorization, 200)!r} lacks t= or k=")
        return params["t"], params["k"], "vapid"
    if standard:
        raise PushError(f"Authorization is {short(authorization, 200)!r}, expected 'vapid t=<jwt>, k=<key>' "
                        "(RFC 8292) for a standard subscription")
    if scheme.lower() == "webpush" and rest.strip():
        key = header_params(headers.get("crypto-key", "")).get("p256ecdsa")
        if not key:
            raise PushError(f"Authorization: WebPush <jwt>, but Crypto-Key "
                            f"{headers.get('crypto-key')!r} has no p256ecdsa=<key>")
        return rest.strip(), key, "webpush"
    raise PushError(f"Authorization is {short(authorization, 200)!r}, expected 'vapid t=<jwt>, k=<key>' "
                    "or 'WebPush <jwt>' (with Crypto-Key p256ecdsa=)")


def public_key(raw, what):
    """A P-256 public key from its uncompressed point (65 bytes, 0x04 || X || Y)."""
    if len(raw) != 65 or raw[0] != 4:
        raise PushError(f"{what} is {len(raw)} bytes starting {raw[:1].hex()}, expected a 65-byte "
                        "uncompressed P-256 point (04...)")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise PushError(f"{what} is not a point on P-256: {exc}")


def verify_jwt(jwt, key):
    """Verifies an ES256 JWT with `key` (a cryptography public key); returns (header, claims)."""
    parts = jwt.split(".")
    if len(parts) != 3:
        raise PushError(f"the JWT {short(jwt, 120)!r} has {len(parts)} parts, expected 3")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError as exc:
        raise PushError(f"the JWT {short(jwt, 120)!r} does not decode: {exc}")
    if not isinstance(header, dict) or header.get("alg") != "ES256" or header.get("typ") != "JWT":
        raise PushError(f"the JWT header is {header!r}, expected {{'typ': 'JWT', 'alg': 'ES256'}}")
    if not isinstance(claims, dict):
        raise PushError(f"the JWT claims are {claims!r}, not an object")
    if len(signature) != 64:
        raise PushError(f"the JWT signature is {len(signature)} bytes, expected 64 (r || s, RFC 7518 "
                        "section 3.4; a DER signature is wrong)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise PushError("the JWT's ES256 signature does not verify with the key given beside it")
    return header, claims


def endpoint_origin(endpoint):
    url = urllib.parse.urlsplit(endpoint)
    default = {"http": 80, "https": 443}.get(url.scheme)
    port = f":{url.port}" if url.port and url.port != default else ""
    return f"{url.scheme}://{url.hostname}{port}"


def verify_vapid(record, endpoint, server_key, standard, now=None):
    """Everything a push service checks of a push: the VAPID JWT (signature, `aud`, `exp`, `sub`),
    the key beside it equal to `server_key` (the subscription's), and `TTL` and `Urgency`.
    Returns the JWT's claims; raises PushError."""
    if CRYPTO_MISSING is not None:
        raise PushError(f"cryptography or http_ece is not installed: {CRYPTO_MISSING}")
    headers = record["headers"]
    jwt, key_text, _ = vapid_credentials(headers, standard)
    key_raw = b64url_decode(key_text)
    expected = b64url_decode(server_key)
    if key_raw != expected:
        raise PushError(f"the VAPID key beside the JWT is {key_text!r}, but the subscription's server_key "
                        f"is {server_key!r}")
    _, claims = verify_jwt(jwt, public_key(key_raw, "the VAPID key"))
    origin = endpoint_origin(endpoint)
    if claims.get("aud") != origin:
        raise PushError(f"the JWT's aud is {claims.get('aud')!r}, expected the endpoint's origin {origin!r}")
    now = time.time() if now is None else now
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise PushError(f"the JWT's exp is {exp!r}, expected a number of seconds since the epoch")
    if exp <= now - CLOCK_SLACK:
        raise PushError(f"the JWT expired {int(now - exp)} s ago (exp {exp})")
    if exp > now + MAX_EXPIRY + CLOCK_SLACK:
        raise PushError(f"the JWT expires in {int(exp - now)} s, more than the 24 hours RFC 8292 allows")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise PushError(f"the JWT's sub is {sub!r}, expected a mailto: or https: URL")
    ttl = headers.get("ttl")
    if ttl is None or not ttl.strip().isdigit():
        raise PushError(f"TTL is {ttl!r}, expected a number of seconds (RFC 8030 section 5.2)")
    urgency = headers.get("urgency")
    if urgency not in URGENCIES:
        raise PushError(f"Urgency is {urgency!r}, expected one of {', '.join(URGENCIES)} (RFC 8030 section 5.3)")
    return claims


# --- What a user agent does: decrypt (RFC 8291) ----------------------------------------------------


def private_key(number):
    """The subscription's private key from Mastodon.py's `priv['privkey']` (an integer)."""
    return ec.derive_private_key(number, ec.SECP256R1())


def decrypt_aes128gcm(record, priv):
    """Decrypts a standard push with http_ece (the sender's key travels in the body's header);
    returns the JSON payload. `priv` is Mastodon.py's private dict (`privkey`, `auth`)."""
    if CRYPTO_MISSING is not None:
        raise PushError(f"cryptography or http_ece is not installed: {CRYPTO_MISSING}")
    encoding = record["headers"].get("content-encoding")
    if encoding != "aes128gcm":
        raise PushError(f"Content-Encoding is {encoding!r}, expected 'aes128gcm' (RFC 8291)")
    try:
        plain = http_ece.decrypt(record["body"], private_key=private_key(priv["privkey"]),
                                 auth_secret=priv["auth"], version="aes128gcm")
    except Exception as exc:
        raise PushError(f"http_ece cannot decrypt it (aes128gcm): {type(exc).__name__}: {exc}")
    return parse_payload(plain)


def parse_payload(plain):
    try:
        payload = json.loads(plain.decode("utf-8"))
    except ValueError as exc:
        raise PushError(f"the decrypted payload is not UTF-8 JSON ({exc}): {short(plain, 200)}")
    if not isinstance(payload, dict):
        raise PushError(f"the decrypted payload is {short(payload, 200)}, not an object")
    return payload
