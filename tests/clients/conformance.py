#!/usr/bin/env python3
"""Client conformance test: drives a running ferrodon with Mastodon.py, the way a real client does.

Usage: conformance.py BASE_URL   (e.g. http://127.0.0.1:8080)

Every HTTP answer seen by the test goes through a requests response hook that validates it against
the Mastodon OpenAPI description (../shared/mastodon-openapi.json from the repository root) with
openapi-core. Each step is a named check printed as `PASS name` or `FAIL name: reason`; the last
line is `client: N passed, M failed`, and the exit code is 1 when anything failed.
"""

import base64
import hashlib
import html.parser
import json
import os
import re
import secrets
import sys
import traceback
import urllib.parse
import warnings
from pathlib import Path

import requests
from jsonschema.exceptions import best_match
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError, MastodonError, MastodonUnauthorizedError
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound, ServerNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA_PATH = REPO_ROOT / ".." / "shared" / "mastodon-openapi.json"

SCOPES = ["read", "write", "follow", "push"]
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never fetched: the test reads the Location header
OOB = "urn:ietf:wg:oauth:2.0:oob"
TIMEOUT = 30
# Requests are matched against the schema under this server, whatever host answered them.
SCHEMA_SERVER = "http://ferrodon.invalid"
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) ferrodon-client-conformance",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}
VERBOSE = os.environ.get("CLIENT_TESTS_VERBOSE") not in (None, "", "0")
MILLIS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Failure(Exception):
    """A check's own assertion failed."""


def expect(condition, message):
    if not condition:
        raise Failure(message)


def short(text, limit=300):
    text = str(text).replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "..."


# --- Schema -----------------------------------------------------------------------------------


def load_schema():
    """Loads the OpenAPI description, working around the quirks listed in shared/README.md."""
    spec = json.loads(SCHEMA_PATH.read_text())
    # `/api/oembed` `maxheight` is an integer with the string default "null": openapi-core refuses it.
    for parameter in spec["paths"].get("/api/oembed", {}).get("get", {}).get("parameters", []):
        if parameter.get("name") == "maxheight":
            parameter.get("schema", {}).pop("default", None)

    # An unset email is "", which `format: email` refuses: accept "" or anything with an "@"
    # (which is all jsonschema's email format checks).
    def relax_email(node):
        if isinstance(node, dict):
            if node.get("format") == "email":
                del node["format"]
                node["pattern"] = "^$|@"
            for value in node.values():
                relax_email(value)
        elif isinstance(node, list):
            for value in node:
                relax_email(value)

    relax_email(spec)

    # `GET /api/v1/filters` is described as "List of [V1::Filter]" (Mastodon answers an array) but
    # its schema is a single V1Filter: wrap any such list answer's schema in an array.
    for operations in spec["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for answer in operation.get("responses", {}).values():
                media = answer.get("content", {}).get("application/json", {})
                schema = media.get("schema")
                if (schema and schema.get("type") != "array"
                        and answer.get("description", "").startswith(("List of [", "Array of ["))):
                    media["schema"] = {"type": "array", "items": schema}
    spec["servers"] = [{"url": SCHEMA_SERVER}]
    # The schema is a fixed third-party file: skip validating the description itself (4 s).
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def describe_validation_error(error):
    """One line per schema violation: JSON path and message."""
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if not schema_errors:
        return [short(f"{type(error).__name__}: {error}", 500)]
    lines = []
    for schema_error in schema_errors:
        line = f"{schema_error.json_path}: {short(schema_error.message, 240)}"
        if schema_error.context:
            closest = best_match(schema_error.context)
            line += f" (closest: {closest.json_path}: {short(closest.message, 200)})"
        lines.append(line)
    return lines


class Recorder:
    """The response hook: records every answer and validates it against the schema."""

    def __init__(self, api):
        self.api = api
        self.events = []  # every answer: dict(method, path, status, content_type, text, json)
        self.problems = []  # schema violations and 5xx answers
        self.not_in_schema = set()

    def hook(self, response, *args, **kwargs):
        try:
            self._on_response(response)
        except Exception as exc:  # the hook must never break the request itself
            self.problems.append(f"validator crashed on {response.request.method} "
                                 f"{response.request.url}: {exc!r}")
        return None

    def _on_response(self, response):
        request = response.request
        url = urllib.parse.urlsplit(request.url)
        target = url.path + (f"?{url.query}" if url.query else "")
        status = response.status_code
        content_type = response.headers.get("Content-Type", "")
        text = response.text if not response.is_redirect else ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        event = {
            "method": request.method,
            "path": target,
            "status": status,
            "content_type": content_type,
            "text": text,
            "json": parsed,
            "location": response.headers.get("Location"),
        }
        self.events.append(event)
        where = f"{request.method} {target} -> {status}"
        if VERBOSE:
            print(f"    > {where} {content_type} {short(text, 160) if parsed is not None else ''}"
                  f"{' Location: ' + event['location'] if event['location'] else ''}", flush=True)
        if status >= 500:
            self.problems.append(f"server error: {where} {short(text)}")
        if 300 <= status < 400:
            return

        # Trailing slashes (Mastodon.py asks for /api/v1/instance/) are the same path.
        path = url.path.rstrip("/") or "/"
        canonical = request.copy()
        canonical.url = SCHEMA_SERVER + path + (f"?{url.query}" if url.query else "")
        errors = list(self.api.iter_response_errors(
            RequestsOpenAPIRequest(canonical), RequestsOpenAPIResponse(response)))
        in_schema = True
        for error in errors:
            if isinstance(error, (PathNotFound, OperationNotFound, ServerNotFound)):
                in_schema = False
                if parsed is not None:
                    self.not_in_schema.add(f"{request.method} {path}")
            elif isinstance(error, ResponseNotFound):
                if status < 400:
                    self.problems.append(f"schema: {where}: status {status} is not documented "
                                         f"for this operation; body {short(text)}")
            else:
                for line in describe_validation_error(error):
                    self.problems.append(f"schema: {where}: {line}")
        # Every JSON answer of the API says so, with its charset, errors included.
        if in_schema and parsed is not None:
            media = content_type.lower().replace(" ", "")
            if not media.startswith("application/json") or "charset=utf-8" not in media:
                self.problems.append(f"content type: {where}: Content-Type is {content_type!r}, "
                                     f"expected 'application/json; charset=utf-8'")

    def mark(self):
        return len(self.events), len(self.problems)


# --- Checks -----------------------------------------------------------------------------------


class Runner:
    def __init__(self, recorder):
        self.recorder = recorder
        self.passed = 0
        self.failed = 0

    def check(self, name, function, needs=()):
        """Runs one check; `needs` pairs a label with an earlier result (empty when it failed)."""
        missing = [label for label, value in needs if not value]
        if missing:
            self._fail(name, f"not run: needs {', '.join(missing)} (an earlier check failed)", [])
            return
        events_mark, problems_mark = self.recorder.mark()
        reason = None
        notes = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                function()
            except Failure as exc:
                reason = str(exc)
            except MastodonError as exc:
                reason = f"{type(exc).__name__}: {short(exc.args, 200)}"
                reason += self._last_answer(events_mark, errors_only=True)
            except Exception as exc:
                reason = f"{type(exc).__name__}: {short(exc, 200)}"
                reason += self._last_answer(events_mark, errors_only=False)
                notes.append(short(" / ".join(traceback.format_exc().strip().splitlines()[-3:]), 600))
        for warning in caught:
            notes.append(f"warning: {short(warning.message, 300)}")
        problems = self.recorder.problems[problems_mark:]
        if reason is None and problems:
            reason = f"{len(problems)} problem(s) in the answers"
        if reason is None:
            self.passed += 1
            print(f"PASS {name}", flush=True)
            for note in notes:
                print(f"    {note}", flush=True)
        else:
            self._fail(name, reason, problems + notes)

    def _fail(self, name, reason, details):
        self.failed += 1
        print(f"FAIL {name}: {reason}", flush=True)
        for detail in details:
            print(f"    {detail}", flush=True)

    def _last_answer(self, events_mark, errors_only):
        events = self.recorder.events[events_mark:]
        if errors_only:
            events = [e for e in events if e["status"] >= 400] or events
        if not events:
            return " (no answer recorded)"
        last = events[-1]
        return f" [last answer: {last['method']} {last['path']} -> {last['status']} {short(last['text'])}]"


# --- Browser login ----------------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """Collects every form: action, method, fields (as a browser would submit them), buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.text = []
        self._form = None
        self._textarea = None
        self._select = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "form":
            self._form = {"action": attrs.get("action"), "method": (attrs.get("method") or "get").lower(),
                          "fields": [], "buttons": [], "inputs": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            name = attrs.get("name")
            self._form["inputs"].append({"type": kind, "name": name, "value": attrs.get("value", "")})
            if kind in ("submit", "image"):
                if name:
                    self._form["buttons"].append({"name": name, "value": attrs.get("value", "")})
            elif kind in ("button", "reset", "file"):
                pass
            elif kind in ("checkbox", "radio"):
                if name and "checked" in attrs:
                    self._form["fields"].append([name, attrs.get("value", "on")])
            elif name:
                self._form["fields"].append([name, attrs.get("value", "")])
        elif tag == "button":
            if attrs.get("type", "submit").lower() == "submit":
                self._form["buttons"].append({"name": attrs.get("name"), "value": attrs.get("value", "")})
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = [attrs["name"], ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "first": None, "selected": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["selected"] = value

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["selected"] if self._select["selected"] is not None else self._select["first"]
            if chosen is not None:
                self._form["fields"].append([self._select["name"], chosen])
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if not self._skip and data.strip():
            self.text.append(data.strip())


def parse_page(text):
    parser = FormParser()
    parser.feed(text)
    parser.close()
    return parser


def page_summary(response, parser=None):
    parser = parser or parse_page(response.text)
    return short(f"{response.status_code} {response.headers.get('Content-Type', '')}: "
                 f"{' | '.join(parser.text)}", 400)


def is_callback(url):
    want = urllib.parse.urlsplit(REDIRECT_URI)
    got = urllib.parse.urlsplit(url)
    return (got.scheme, got.netloc, got.path) == (want.scheme, want.netloc, want.path)


def browse(session, method, url, data=None, max_hops=10):
    """A browser request: follows redirects itself but stops at the app's redirect URI.

    Returns (last response, its URL, callback URL or None)."""
    for _ in range(max_hops):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=TIMEOUT)
        if response.is_redirect and "Location" in response.headers:
            target = urllib.parse.urljoin(url, response.headers["Location"])
            if is_callback(target):
                return response, url, target
            if response.status_code in (301, 302, 303):
                method, data = "GET", None
            url = target
            continue
        return response, url, None
    raise Failure(f"more than {max_hops} redirects, last at {url}")


def submit(session, page_url, form, fill=None, button=None):
    """Submits a parsed form like a browser: its fields, the filled values, the pressed button."""
    fields = [list(field) for field in form["fields"]]
    for name, value in (fill or {}).items():
        for field in fields:
            if field[0] == name:
                field[1] = value
    if button is None:
        button = next(iter(form["buttons"]), None)
    if button is not None and button.get("name"):
        fields.append([button["name"], button.get("value", "")])
    action = urllib.parse.urljoin(page_url, form["action"] or page_url)
    if form["method"] == "post":
        return browse(session, "POST", action, data=[tuple(f) for f in fields])
    query = urllib.parse.urlencode([tuple(f) for f in fields])
    return browse(session, "GET", urllib.parse.urljoin(action, "?" + query))


LOGIN_NAMES = ("username", "email", "login", "user[email]", "user[login]", "user[username]", "acct")


def find_sign_in_form(parser):
    for form in parser.forms:
        passwords = [i for i in form["inputs"] if i["type"] == "password" and i["name"]]
        logins = [i for i in form["inputs"]
                  if i["name"] and (i["name"] in LOGIN_NAMES or i["type"] == "email")]
        if len(passwords) == 1 and logins:
            return form, logins[0]["name"], passwords[0]["name"]
    return None, None, None


def find_approve(parser):
    for form in parser.forms:
        for button in form["buttons"]:
            if button.get("name") == "decision" and button.get("value") == "approve":
                return form, button
    return None, None


def pkce_pair():
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


# --- The test ---------------------------------------------------------------------------------


def main():
    if len(sys.argv) != 2:
        print("usage: conformance.py BASE_URL", file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    try:
        api = load_schema()
    except Exception as exc:
        print(f"FAIL load the OpenAPI schema {SCHEMA_PATH}: {type(exc).__name__}: {short(exc, 300)}")
        print("client: 0 passed, 1 failed")
        return 1
    recorder = Recorder(api)
    runner = Runner(recorder)
    check = runner.check

    def new_session():
        session = requests.Session()
        session.hooks["response"].append(recorder.hook)
        return session

    api_session = new_session()

    def client(access_token=None, with_app=True):
        return Mastodon(
            client_id=state.get("client_id") if with_app else None,
            client_secret=state.get("client_secret") if with_app else None,
            access_token=access_token, api_base_url=base, session=api_session,
            request_timeout=TIMEOUT, ratelimit_method="throw", version_check_mode="none")

    def raw(method, path, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return api_session.request(method, base + path, **kwargs)

    def raw_json(path, token=None, expect_type=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = raw("GET", path, headers=headers)
        expect(response.status_code == 200,
               f"GET {path} answered {response.status_code}: {short(response.text)}")
        try:
            body = response.json()
        except ValueError:
            raise Failure(f"GET {path} is not JSON: {short(response.text)}")
        if expect_type is not None:
            expect(isinstance(body, expect_type),
                   f"GET {path}: expected a JSON {expect_type.__name__}, got {short(body, 200)}")
        return body

    def last_json(path_prefix):
        """The raw JSON of the last answer to a path (Mastodon.py converts times and ids)."""
        for event in reversed(recorder.events):
            if event["path"].split("?")[0].rstrip("/") == path_prefix:
                return event["json"]
        return None

    state = {}
    suffix = secrets.token_hex(4)
    state["username"] = f"ct_{suffix}"
    state["email"] = f"ct_{suffix}@example.com"
    state["password"] = secrets.token_urlsafe(18)

    # 1. App registration -------------------------------------------------------------------------
    def register_app():
        client_id, client_secret = Mastodon.create_app(
            f"ferrodon client test {suffix}", scopes=SCOPES, redirect_uris=REDIRECT_URI,
            website="https://ferrodon.invalid/", api_base_url=base, session=api_session,
            request_timeout=TIMEOUT)
        expect(isinstance(client_id, str) and client_id, f"client_id is {client_id!r}")
        expect(isinstance(client_secret, str) and client_secret, f"client_secret is {client_secret!r}")
        app = last_json("/api/v1/apps") or {}
        expect(REDIRECT_URI in (app.get("redirect_uris") or []),
               f"redirect_uris {app.get('redirect_uris')!r} lacks {REDIRECT_URI}")
        expect(app.get("redirect_uri") == REDIRECT_URI,
               f"redirect_uri is {app.get('redirect_uri')!r}, expected {REDIRECT_URI!r}")
        expect(sorted(app.get("scopes") or []) == sorted(SCOPES),
               f"scopes {app.get('scopes')!r}, expected {SCOPES!r}")
        state["client_id"], state["client_secret"] = client_id, client_secret

    check("apps: register an app with a redirect URI (Mastodon.create_app)", register_app)

    def register_oob():
        client_id, client_secret = Mastodon.create_app(
            f"ferrodon client test oob {suffix}", scopes=["read"], redirect_uris=OOB,
            api_base_url=base, session=api_session, request_timeout=TIMEOUT)
        expect(client_id and client_secret, "no client_id/client_secret")
        app = last_json("/api/v1/apps") or {}
        expect(app.get("redirect_uris") == [OOB], f"redirect_uris is {app.get('redirect_uris')!r}")

    check("apps: register an urn:ietf:wg:oauth:2.0:oob app", register_oob)

    def register_json():
        response = raw("POST", "/api/v1/apps", json={
            "client_name": f"ferrodon client test json {suffix}",
            "redirect_uris": [REDIRECT_URI, "ferrodon-test://oauth"],
            "scopes": "read write"})
        expect(response.status_code == 200,
               f"POST /api/v1/apps (JSON) answered {response.status_code}: {short(response.text)}")
        app = response.json()
        expect(app.get("redirect_uris") == [REDIRECT_URI, "ferrodon-test://oauth"],
               f"redirect_uris is {app.get('redirect_uris')!r}")

    check("apps: register with a JSON body and a redirect_uris array", register_json)

    # 2. App token --------------------------------------------------------------------------------
    def app_token():
        response = raw("POST", "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": state["client_id"],
            "client_secret": state["client_secret"], "scope": " ".join(SCOPES)})
        expect(response.status_code == 200,
               f"POST /oauth/token (client_credentials) answered {response.status_code}: "
               f"{short(response.text)}")
        token = response.json()
        expect(str(token.get("token_type", "")).lower() == "bearer",
               f"token_type is {token.get('token_type')!r}")
        expect(token.get("access_token"), "no access_token")
        state["app_token"] = token["access_token"]

    check("oauth: client_credentials token (POST /oauth/token)", app_token,
          needs=[("an app", state.get("client_id"))])

    def app_verify():
        app = client(state["app_token"]).app_verify_credentials()
        expect(app.get("name") == f"ferrodon client test {suffix}", f"name is {app.get('name')!r}")

    check("apps: verify_credentials with the app token", app_verify,
          needs=[("an app token", state.get("app_token"))])

    # 3. Sign-up ----------------------------------------------------------------------------------
    def sign_up():
        token = client().create_account(
            state["username"], state["password"], state["email"], agreement=True, locale="en",
            scopes=SCOPES)
        expect(isinstance(token, str) and token, f"token is {token!r}")
        state["signup_token"] = token

    check("accounts: sign up (create_account, POST /api/v1/accounts)", sign_up,
          needs=[("an app", state.get("client_id"))])

    # 4. Browser login with PKCE -------------------------------------------------------------------
    browser = new_session()
    browser.headers.update(BROWSER_HEADERS)

    def authorize_url(challenge, oauth_state):
        url = client().auth_request_url(
            redirect_uris=REDIRECT_URI, scopes=SCOPES, state=oauth_state, lang="en", allow_http=True)
        return url + "&" + urllib.parse.urlencode(
            {"code_challenge": challenge, "code_challenge_method": "S256"})

    def callback_code(callback, oauth_state):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)
        expect(query.get("state") == [oauth_state],
               f"redirect {callback} carries state {query.get('state')!r}, expected {oauth_state!r}")
        expect(query.get("code") and query["code"][0], f"redirect {callback} carries no code")
        return query["code"][0]

    login = {}

    def authorize_page():
        login["verifier"], challenge = pkce_pair()
        login["state"] = secrets.token_urlsafe(16)
        url = authorize_url(challenge, login["state"])
        response, page_url, callback = browse(browser, "GET", url)
        expect(callback is None, f"authorize redirected to the app before signing in: {callback}")
        expect(response.status_code == 200, f"GET {url} ended with {page_summary(response)}")
        expect("html" in response.headers.get("Content-Type", ""),
               f"authorize page is {response.headers.get('Content-Type')!r}, not HTML")
        parser = parse_page(response.text)
        form, login_name, password_name = find_sign_in_form(parser)
        expect(form is not None, f"no sign-in form (a username/email and a password input) at "
                                 f"{page_url}: {page_summary(response, parser)}")
        login.update(page_url=page_url, form=form, login_name=login_name, password_name=password_name)

    check("oauth: GET /oauth/authorize (PKCE S256) shows a sign-in form", authorize_page,
          needs=[("an app", state.get("client_id"))])

    def sign_in():
        response, page_url, callback = submit(
            browser, login["page_url"], login["form"],
            fill={login["login_name"]: state["email"], login["password_name"]: state["password"]})
        if callback is not None:  # an already-consented app may skip the consent page
            login["callback"] = callback
            return
        parser = parse_page(response.text)
        form, button = find_approve(parser)
        expect(form is not None, f"after signing in, {page_url} has no consent form with "
                                 f"<button name=decision value=approve>: {page_summary(response, parser)}")
        login.update(consent_url=page_url, consent_form=form, approve=button)

    check("oauth: sign in through the HTML form, then the consent page", sign_in,
          needs=[("a sign-in form", login.get("form")), ("an account", state.get("signup_token"))])

    def approve():
        if "callback" not in login:
            fields = [list(f) for f in login["consent_form"]["fields"]] + [["decision", "approve"]]
            action = urllib.parse.urljoin(login["consent_url"], login["consent_form"]["action"] or login["consent_url"])
            response = browser.post(action, data=[tuple(f) for f in fields], allow_redirects=False,
                                    timeout=TIMEOUT)
            expect(response.status_code in (302, 303),
                   f"POST {action} (approve) answered {response.status_code}, expected 302 or 303: "
                   f"{page_summary(response)}")
            location = urllib.parse.urljoin(action, response.headers.get("Location", ""))
            expect(is_callback(location), f"approve redirected to {location!r}, not to {REDIRECT_URI}")
            login["callback"] = location
        login["code"] = callback_code(login["callback"], login["state"])

    check("oauth: approve redirects to the redirect URI with code and state", approve,
          needs=[("a consent page", login.get("consent_form") or login.get("callback"))])

    def token_request(code, verifier):
        return raw("POST", "/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": state["client_id"], "client_secret": state["client_secret"],
            "code_verifier": verifier})

    def exchange():
        response = token_request(login["code"], login["verifier"])
        expect(response.status_code == 200,
               f"POST /oauth/token (authorization_code) answered {response.status_code}: "
               f"{short(response.text)}")
        token = response.json()
        expect(str(token.get("token_type", "")).lower() == "bearer",
               f"token_type is {token.get('token_type')!r}")
        granted = set(str(token.get("scope", "")).split())
        expect(set(SCOPES) <= granted, f"scope is {token.get('scope')!r}, expected {' '.join(SCOPES)}")
        expect(token.get("access_token"), "no access_token")
        state["user_token"] = token["access_token"]

    check("oauth: exchange the code with its code_verifier", exchange,
          needs=[("a code", login.get("code"))])

    def refused(response, what):
        expect(response.status_code == 400,
               f"{what}: answered {response.status_code}, expected 400: {short(response.text)}")
        try:
            error = response.json().get("error")
        except ValueError:
            error = None
        expect(error == "invalid_grant",
               f"{what}: error is {error!r}, expected 'invalid_grant': {short(response.text)}")

    def authorize_again():
        """A further authorization by the signed-in browser: returns (code, its verifier)."""
        verifier, challenge = pkce_pair()
        oauth_state = secrets.token_urlsafe(16)
        url = authorize_url(challenge, oauth_state)
        response, page_url, callback = browse(browser, "GET", url)
        if callback is None:  # the consent page again (a server may also skip it: callback at once)
            parser = parse_page(response.text)
            expect(find_sign_in_form(parser)[0] is None,
                   f"signed out after one authorization: {page_summary(response, parser)}")
            form, button = find_approve(parser)
            expect(form is not None, f"another authorization: no consent form at {page_url}: "
                                     f"{page_summary(response, parser)}")
            response, _, callback = submit(browser, page_url, form, button=button)
            expect(callback is not None, f"approving did not redirect to the app: {page_summary(response)}")
        return callback_code(callback, oauth_state), verifier

    # RFC 6749 lets a server revoke what a code issued when the code comes back, so the refusals
    # are tried on codes of their own, never on the one behind the token used below.
    def reuse_code():
        code, verifier = authorize_again()
        response = token_request(code, verifier)
        expect(response.status_code == 200,
               f"exchanging a second code answered {response.status_code}: {short(response.text)}")
        refused(token_request(code, verifier), "a code used twice")

    check("oauth: a used code is refused (invalid_grant)", reuse_code,
          needs=[("a signed-in browser", state.get("user_token"))])

    def wrong_verifier():
        code, _ = authorize_again()
        other_verifier, _ = pkce_pair()
        refused(token_request(code, other_verifier), "a wrong code_verifier")

    check("oauth: a wrong code_verifier is refused (invalid_grant)", wrong_verifier,
          needs=[("a signed-in browser", state.get("user_token"))])

    # 5. The user's first screen -------------------------------------------------------------------
    token = state.get("user_token")
    if token is None and state.get("signup_token"):
        token = state["signup_token"]
        print("    note: no token from the OAuth login; using the sign-up token from here on", flush=True)
    state["token"] = token
    needs_token = [("a user token", token)]
    me = {}

    def verify_credentials():
        account = client(token).account_verify_credentials()
        expect(account.get("username") == state["username"],
               f"username is {account.get('username')!r}, expected {state['username']!r}")
        expect(account.get("acct") == state["username"],
               f"acct is {account.get('acct')!r}, expected {state['username']!r} (local accounts have no domain)")
        raw_account = last_json("/api/v1/accounts/verify_credentials") or {}
        expect(isinstance(raw_account.get("id"), str) and raw_account["id"].isdigit(),
               f"id is {raw_account.get('id')!r}, expected a decimal string")
        expect(MILLIS_TIME.match(str(raw_account.get("created_at", ""))),
               f"created_at is {raw_account.get('created_at')!r}, expected YYYY-MM-DDTHH:MM:SS.mmmZ")
        source = raw_account.get("source") or {}
        for key in ("privacy", "sensitive", "note", "fields", "follow_requests_count"):
            expect(key in source, f"source.{key} is missing")
        me["id"] = raw_account["id"]

    check("accounts: verify_credentials", verify_credentials, needs=needs_token)

    def instance_v1():
        instance = client(token).instance_v1()  # GET /api/v1/instance/ (with the trailing slash)
        expect(instance.get("uri"), "uri is missing")
        expect((instance.get("urls") or {}).get("streaming_api"), "urls.streaming_api is missing")
        body = raw_json("/api/v1/instance", expect_type=dict)  # and without it
        expect(body.get("uri") == instance.get("uri"), "/api/v1/instance and /api/v1/instance/ differ")

    check("instance: v1 (GET /api/v1/instance and /api/v1/instance/)", instance_v1, needs=needs_token)

    def instance_v2():
        instance = client(token).instance_v2()  # GET /api/v2/instance/
        raw_instance = last_json("/api/v2/instance") or {}
        expect(isinstance((raw_instance.get("api_versions") or {}).get("mastodon"), int),
               f"api_versions.mastodon is {(raw_instance.get('api_versions') or {}).get('mastodon')!r}, expected an int")
        configuration = raw_instance.get("configuration") or {}
        expect("streaming" in (configuration.get("urls") or {}),
               "configuration.urls.streaming is missing (a URL, or null when there is no streaming)")
        expect("public_key" in (configuration.get("vapid") or {}), "configuration.vapid.public_key is missing")
        expect(instance.get("domain"), "domain is missing")
        body = raw_json("/api/v2/instance", expect_type=dict)
        expect(body.get("domain") == instance.get("domain"), "/api/v2/instance and /api/v2/instance/ differ")

    check("instance: v2 (GET /api/v2/instance and /api/v2/instance/)", instance_v2, needs=needs_token)

    def version_detection():
        mastodon = client(token)
        version = mastodon.retrieve_mastodon_version(fail_hard=True)
        expect(mastodon.verify_minimum_version("4.0.0", cached=True),
               f"version {version!r} parses as older than 4.0.0")
        if mastodon.verify_minimum_version("4.3.0", cached=True):
            expect(mastodon.mastodon_api_version >= 1,
                   f"version {version!r} claims 4.3 or later, but /api/v2/instance has no api_versions.mastodon")
        expect(mastodon.instance().get("domain"), "instance() did not pick the v2 instance")

    check("instance: Mastodon.py version detection (version and api_versions)", version_detection,
          needs=needs_token)

    def preferences():
        prefs = client(token).preferences()
        for key in ("posting:default:visibility", "posting:default:sensitive", "posting:default:language",
                    "reading:expand:media", "reading:expand:spoilers"):
            expect(key in prefs, f"{key} is missing from {short(dict(prefs), 200)}")

    check("accounts: preferences", preferences, needs=needs_token)

    def markers_get():
        markers = client(token).markers_get(["home", "notifications"])
        expect(isinstance(markers, dict), f"markers are {markers!r}")

    check("markers: get home and notifications", markers_get, needs=needs_token)

    def markers_set():
        mastodon = client(token)
        written = mastodon.markers_set(["home", "notifications"], ["100000", "100001"])
        for timeline, last_read in (("home", "100000"), ("notifications", "100001")):
            expect(timeline in written, f"POST answer lacks {timeline}: {short(dict(written), 200)}")
        markers = mastodon.markers_get(["home", "notifications"])
        raw_markers = last_json("/api/v1/markers") or {}
        for timeline, last_read in (("home", "100000"), ("notifications", "100001")):
            expect(timeline in markers, f"read back lacks {timeline}: {short(raw_markers, 200)}")
            expect(str((raw_markers.get(timeline) or {}).get("last_read_id")) == last_read,
                   f"{timeline}.last_read_id is {(raw_markers.get(timeline) or {}).get('last_read_id')!r}, "
                   f"expected {last_read!r}")
        only_home = mastodon.markers_get("home")
        expect(set(only_home) <= {"home"}, f"timeline[]=home answered {sorted(only_home)}")

    check("markers: set then read back", markers_set, needs=needs_token)

    def nodeinfo():
        info = client(token).instance_nodeinfo()  # /.well-known/nodeinfo, then its 2.0 link
        check_nodeinfo(info)

    def check_nodeinfo(info):
        expect(isinstance(info, dict), f"nodeinfo is {short(info, 200)}")
        expect((info.get("software") or {}).get("name") == "ferrodon",
               f"software.name is {(info.get('software') or {}).get('name')!r}")
        expect((info.get("software") or {}).get("version"), "software.version is missing")
        expect("activitypub" in (info.get("protocols") or []), f"protocols is {info.get('protocols')!r}")
        expect(isinstance(info.get("metadata"), dict), "metadata is missing (megalodon crashes without it)")
        users = (info.get("usage") or {}).get("users") or {}
        for key in ("total", "activeMonth", "activeHalfyear"):
            expect(isinstance(users.get(key), int), f"usage.users.{key} is {users.get(key)!r}")
        expect(isinstance(info.get("openRegistrations"), bool),
               f"openRegistrations is {info.get('openRegistrations')!r}")

    check("nodeinfo: /.well-known/nodeinfo links 2.0 (instance_nodeinfo)", nodeinfo, needs=needs_token)

    def nodeinfo_direct():
        links = raw_json("/.well-known/nodeinfo", expect_type=dict)
        rels = [link.get("rel") for link in links.get("links", [])]
        expect("http://nodeinfo.diaspora.software/ns/schema/2.0" in rels, f"links rels are {rels}")
        check_nodeinfo(raw_json("/nodeinfo/2.0", expect_type=dict))

    check("nodeinfo: GET /nodeinfo/2.0", nodeinfo_direct)

    def empty_list(function, what):
        def run():
            result = function(client(token))
            expect(isinstance(result, list), f"{what} is {short(result, 200)}, expected a list")
        return run

    for name, function in (
            ("custom emojis (GET /api/v1/custom_emojis)", lambda m: m.custom_emojis()),
            ("announcements (GET /api/v1/announcements)", lambda m: m.announcements()),
            ("lists (GET /api/v1/lists)", lambda m: m.lists()),
            ("followed tags (GET /api/v1/followed_tags)", lambda m: m.followed_tags()),
            ("follow requests (GET /api/v1/follow_requests)", lambda m: m.follow_requests()),
            ("filters v2 (GET /api/v2/filters)", lambda m: m.filters_v2()),
            ("filters v1 (GET /api/v1/filters)", lambda m: m.filters()),
            ("instance peers (GET /api/v1/instance/peers)", lambda m: m.instance_peers()),
            ("instance rules (GET /api/v1/instance/rules)", lambda m: m.instance_rules()),
            ("instance activity (GET /api/v1/instance/activity)", lambda m: m.instance_activity()),
            ("instance languages (GET /api/v1/instance/languages)", lambda m: m.instance_languages())):
        check(f"first screen: {name}", empty_list(function, name.split(" (")[0]), needs=needs_token)

    def extended_description():
        description = client(token).instance_extended_description()
        expect("content" in description, "content is missing")

    check("instance: extended description (GET /api/v1/instance/extended_description)",
          extended_description, needs=needs_token)

    def privacy_policy():
        policy = raw_json("/api/v1/instance/privacy_policy", token=token, expect_type=dict)
        expect("content" in policy and "updated_at" in policy, f"privacy policy is {short(policy, 200)}")

    check("instance: privacy policy (GET /api/v1/instance/privacy_policy)", privacy_policy, needs=needs_token)

    def update_credentials():
        mastodon = client(token)
        display_name = f"Client Test {suffix}"
        note = "Testing ferrodon with Mastodon.py"
        account = mastodon.account_update_credentials(display_name=display_name, note=note, fields=[("a", "b")])
        raw_account = last_json("/api/v1/accounts/update_credentials") or {}
        expect(account.get("display_name") == display_name, f"display_name is {account.get('display_name')!r}")
        expect(note in str(raw_account.get("note", "")), f"note is {raw_account.get('note')!r}")
        fields = raw_account.get("fields") or []
        expect(len(fields) == 1 and fields[0].get("name") == "a" and "b" in str(fields[0].get("value")),
               f"fields are {fields!r}, expected one field a = b")
        source = raw_account.get("source") or {}
        expect(source.get("note") == note, f"source.note is {source.get('note')!r}, expected the plain text")
        again = mastodon.account_verify_credentials()
        expect(again.get("display_name") == display_name, "verify_credentials does not show the new display_name")

    check("accounts: update_credentials (display_name, note, fields)", update_credentials, needs=needs_token)

    def account_by_id():
        account = client(token).account(me["id"])
        expect(str(account.get("id")) == me["id"], f"id is {account.get('id')!r}, expected {me['id']!r}")
        expect(account.get("username") == state["username"], f"username is {account.get('username')!r}")

    check("accounts: GET /api/v1/accounts/:id", account_by_id, needs=needs_token + [("an account id", me.get("id"))])

    def lookup():
        account = client(token).account_lookup(state["username"])
        expect(str(account.get("id")) == me["id"], f"id is {account.get('id')!r}, expected {me['id']!r}")

    check("accounts: lookup (GET /api/v1/accounts/lookup?acct=)", lookup,
          needs=needs_token + [("an account id", me.get("id"))])

    def relationships():
        result = client(token).account_relationships([me["id"]])
        expect(isinstance(result, list) and len(result) == 1, f"answer is {short(result, 200)}, expected one relationship")
        expect(str(result[0].get("id")) == me["id"], f"id is {result[0].get('id')!r}, expected {me['id']!r}")

    check("accounts: relationships (GET /api/v1/accounts/relationships?id[]=)", relationships,
          needs=needs_token + [("an account id", me.get("id"))])

    def oauth_metadata():
        metadata = raw_json("/.well-known/oauth-authorization-server", expect_type=dict)
        expect("S256" in (metadata.get("code_challenge_methods_supported") or []),
               f"code_challenge_methods_supported is {metadata.get('code_challenge_methods_supported')!r}")
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "revocation_endpoint",
                    "scopes_supported", "response_types_supported", "grant_types_supported",
                    "app_registration_endpoint"):
            expect(key in metadata, f"{key} is missing")
        for grant in ("authorization_code", "client_credentials"):
            expect(grant in metadata["grant_types_supported"], f"grant_types_supported lacks {grant}")

    check("oauth: GET /.well-known/oauth-authorization-server", oauth_metadata)

    # 6. Logout -----------------------------------------------------------------------------------
    revoked = {}

    def revoke():
        mastodon = client(token)
        mastodon.revoke_access_token(allow_http=True)
        revoked["done"] = True

    check("oauth: revoke the token (POST /oauth/revoke)", revoke, needs=needs_token)

    def revoked_refused():
        try:
            client(token).account_verify_credentials()
        except MastodonUnauthorizedError:
            return
        except MastodonAPIError as exc:
            raise Failure(f"verify_credentials answered {exc.args[1]}, expected 401")
        raise Failure("verify_credentials still works with the revoked token")

    check("oauth: a revoked token answers 401", revoked_refused, needs=[("a revoked token", revoked.get("done"))])

    if recorder.not_in_schema:
        print("    note: JSON answers not covered by the schema (not validated): "
              + ", ".join(sorted(recorder.not_in_schema)), flush=True)
    print(f"client: {runner.passed} passed, {runner.failed} failed", flush=True)
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
