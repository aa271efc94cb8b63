#!/usr/bin/env python3
"""toot (the Mastodon CLI and its TUI) against a running ferrodon, as its users run it.

Usage: toot_checks.py BASE_URL   (e.g. http://127.0.0.1:8080)

Two members, alice and bob, sign up through the API (an app, its client_credentials token,
`POST /api/v1/accounts`). toot is then logged in as both by writing its own configuration file
(`$XDG_CONFIG_HOME/toot/config.json`: the app under the instance's domain, each user's token) the
way `toot login` leaves it: `toot login_cli` needs the password grant, which ferrodon keeps off by
default, and `toot login` needs a browser. Every check runs `toot` as a subprocess with an isolated
XDG_CONFIG_HOME and XDG_CACHE_HOME; commands print either JSON (`--json`, checked field by field)
or toot's own rendering, which parses every entity into toot's dataclasses and so fails on a field
it cannot read. Last, `toot tui` starts in tmux (a server of its own) and its first screen must
show the home timeline's newest post.

Each check prints `ok   toot: NAME` or `FAIL toot: NAME: reason`; the last line is
`toot: N passed, M failed`, and the exit code is 1 when anything failed.
"""

import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from pathlib import Path

import requests

TIMEOUT = 30
SCOPES = "read write follow"


def tiny_png():
    """A 2x2 PNG, written by hand (no imaging library needed)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200, 30, 30] * 2) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Failure(Exception):
    """A check's own assertion failed."""


def expect(condition, message):
    if not condition:
        raise Failure(message)


def short(text, limit=600):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


class Runner:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, body, needs=()):
        """Runs one check; `needs` are earlier results it depends on (None when they failed)."""
        if any(value is None for value in needs):
            self._fail(name, "not run (an earlier check it needs failed)")
            return None
        try:
            result = body()
        except Failure as error:
            self._fail(name, str(error))
            return None
        except TootFailed as error:
            self._fail(name, str(error))
            return None
        except Exception:  # noqa: BLE001 - a check's unexpected error is its failure
            self._fail(name, short(traceback.format_exc(), 2000))
            return None
        self.passed += 1
        print(f"ok   toot: {name}", flush=True)
        return True if result is None else result

    def _fail(self, name, reason):
        self.failed += 1
        print(f"FAIL toot: {name}: {reason}", flush=True)


class TootFailed(Exception):
    """A toot command exited with an error."""


class Toot:
    """Runs the toot command line with its own configuration and cache directories."""

    def __init__(self, executable, home):
        self.executable = executable
        self.env = dict(os.environ)
        self.env.update(
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            # Nothing may wait on a terminal: no pager, no editor, no colour.
            PAGER="cat",
            EDITOR="false",
            TERM="dumb",
        )
        self.env.pop("TOOT_TESTING", None)
        self.active = None

    def run(self, *args, user=None, check=True):
        command = [self.executable, "--no-color"]
        if user:
            command += ["--as", user]
        command += [str(a) for a in args]
        done = subprocess.run(
            command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if check and done.returncode != 0:
            shown = " ".join(shlex.quote(a) for a in command[1:])
            raise TootFailed(
                f"`toot {shown}` exited {done.returncode}: "
                f"{short(done.stderr or done.stdout, 1500)}"
            )
        return done

    def json(self, *args, user=None):
        out = self.run(*args, "--json", user=user).stdout
        try:
            return json.loads(out)
        except ValueError as error:
            raise Failure(f"`toot {' '.join(map(str, args))} --json` printed no JSON ({error}): {short(out)}")

    def text(self, *args, user=None):
        return self.run(*args, user=user).stdout


def sign_up(base, suffix):
    """An app, its client_credentials token and two members, through the API."""
    session = requests.Session()
    app = session.post(
        f"{base}/api/v1/apps",
        json={
            "client_name": "toot - a Mastodon CLI client",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": SCOPES,
            "website": "https://github.com/ihabunek/toot",
        },
        timeout=TIMEOUT,
    )
    expect(app.status_code == 200, f"POST /api/v1/apps answered {app.status_code}: {short(app.text)}")
    app = app.json()
    token = session.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": SCOPES,
        },
        timeout=TIMEOUT,
    )
    expect(token.status_code == 200, f"POST /oauth/token answered {token.status_code}: {short(token.text)}")
    app_token = token.json()["access_token"]
    members = {}
    for name in ("alice", "bob"):
        username = f"{name}_{suffix}"
        answer = session.post(
            f"{base}/api/v1/accounts",
            headers={"Authorization": f"Bearer {app_token}"},
            json={
                "username": username,
                "email": f"{username}@example.com",
                "password": f"a long passphrase {suffix}",
                "agreement": True,
                "locale": "en",
            },
            timeout=TIMEOUT,
        )
        expect(
            answer.status_code == 200,
            f"POST /api/v1/accounts ({username}) answered {answer.status_code}: {short(answer.text)}",
        )
        access_token = answer.json()["access_token"]
        me = session.get(
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )
        expect(me.status_code == 200, f"verify_credentials answered {me.status_code}: {short(me.text)}")
        members[name] = {"username": username, "token": access_token, "id": me.json()["id"]}
    instance = session.get(f"{base}/api/v1/instance", timeout=TIMEOUT)
    expect(instance.status_code == 200, f"GET /api/v1/instance answered {instance.status_code}")
    return app, members, instance.json()["uri"]


def write_config(home, base, app, members, domain):
    """toot's config.json as `toot login` writes it: apps by instance domain, users by
    `username@domain`, and the active one."""
    users = {
        f"{m['username']}@{domain}": {
            "instance": domain,
            "username": m["username"],
            "access_token": m["token"],
        }
        for m in members.values()
    }
    config = {
        "apps": {
            domain: {
                "instance": domain,
                "base_url": base,
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            }
        },
        "users": users,
        "active_user": f"{members['alice']['username']}@{domain}",
        # toot's own question before its TUI starts (the TUI is deprecated upstream); answered
        # as a user who dismissed it once.
        "dismiss_tui_deprecation_notice": True,
    }
    path = home / "config" / "toot" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(config, indent=1))
    path.chmod(0o600)


def ids(statuses):
    return [s["id"] for s in statuses]


def capture_tui(toot, home, expected, wait=30):
    """Starts `toot tui` in a tmux server of its own, 120x40, and returns its screen once it
    shows `expected` (or after `wait` seconds)."""
    # Its socket in the checks' own directory, removed with it.
    tmux = ["tmux", "-S", str(home / "tmux.sock"), "-f", "/dev/null"]
    env_words = " ".join(
        f"{k}={shlex.quote(toot.env[k])}" for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "PATH") if k in toot.env
    )
    log = home / "tui.log"
    command = f"env {env_words} TERM=screen {shlex.quote(toot.executable)} tui 2>{shlex.quote(str(log))}"
    subprocess.run(
        tmux + ["new-session", "-d", "-s", "tui", "-x", "120", "-y", "40", command],
        check=True,
        timeout=TIMEOUT,
        env={k: v for k, v in toot.env.items() if k != "TMUX"},
    )
    screen = ""
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            done = subprocess.run(
                tmux + ["capture-pane", "-p", "-t", "tui"], capture_output=True, text=True, timeout=TIMEOUT
            )
            if done.returncode != 0:
                # The session ended: toot exited.
                raise Failure(
                    f"`toot tui` exited before its first screen; stderr: {short(log.read_text() if log.exists() else '')}"
                )
            screen = done.stdout
            if expected in screen:
                break
            time.sleep(0.5)
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True, timeout=TIMEOUT)
    return screen


def main():
    if len(sys.argv) != 2:
        print("usage: toot_checks.py BASE_URL", file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    runner = Runner()
    check = runner.check
    executable = shutil.which("toot", path=os.path.dirname(sys.executable)) or shutil.which("toot")
    if not executable:
        print("FAIL toot: the toot command: not installed (pip install toot)")
        print("toot: 0 passed, 1 failed")
        return 1
    home = Path(tempfile.mkdtemp(prefix="ferrodon-toot-"))
    try:
        return run(runner, check, Toot(executable, home), home, base)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(runner, check, toot, home, base):
    suffix = str(int(time.time() * 1000))[-6:]
    state = {}

    def log_in():
        app, members, domain = sign_up(base, suffix)
        write_config(home, base, app, members, domain)
        state.update(members=members, domain=domain)
        alice, bob = (f"{members[n]['username']}@{domain}" for n in ("alice", "bob"))
        state.update(alice=alice, bob=bob)
        out = toot.text("auth")
        expect(alice in out and bob in out, f"`toot auth` lists both accounts: {short(out)}")

    check("log in: two members signed up through the API, in toot's config.json (toot auth)", log_in)
    members = state.get("members")
    alice, bob = state.get("alice"), state.get("bob")
    alice_name = members and members["alice"]["username"]
    bob_name = members and members["bob"]["username"]

    def whoami():
        me = toot.json("whoami")
        expect(me["username"] == alice_name, f"alice: {me.get('username')}")
        expect(me["id"] == members["alice"]["id"], "her id")
        out = toot.text("whoami", user=bob)
        expect(f"@{bob_name}" in out, f"`toot --as bob whoami` names bob: {short(out)}")

    check("whoami (--json, and as the other account with --as)", whoami, [members])

    def instance():
        data = toot.json("instance")
        expect(data.get("uri") == state["domain"], f"uri: {data.get('uri')}")
        out = toot.text("instance")
        expect(state["domain"] in out, f"toot's rendering names the instance: {short(out)}")

    check("instance", instance, [members])

    def update_account():
        data = toot.json("update-account", "--display-name", f"Alice {suffix}", "--note", "Driven by toot")
        expect(data.get("display_name") == f"Alice {suffix}", f"display_name: {data.get('display_name')}")
        expect("Driven by toot" in data.get("note", ""), f"note: {data.get('note')}")
        out = toot.text("whois", alice_name, user=bob)
        expect(f"Alice {suffix}" in out, f"`toot whois` shows it: {short(out)}")

    check("update-account (display name, note) and whois", update_account, [members])

    def follow():
        out = toot.text("follow", alice_name, user=bob)
        expect("following" in out.lower(), f"toot's answer: {short(out)}")
        following = toot.json("following", user=bob)
        expect(any(a["id"] == members["alice"]["id"] for a in following), f"following: {[a.get('acct') for a in following]}")
        followers = toot.text("followers")
        expect(bob_name in followers, f"alice's followers name bob: {short(followers)}")

    followed = check("follow, following and followers", follow, [members])

    def post_plain():
        status = toot.json("post", f"Hello from toot {suffix} #toot{suffix}", "--language", "en")
        expect(f"Hello from toot {suffix}" in status["content"], f"content: {status['content']}")
        expect(status["account"]["id"] == members["alice"]["id"], "by alice")
        expect(any(t["name"].lower() == f"toot{suffix}" for t in status["tags"]), f"tags: {status['tags']}")
        return status

    plain = check("post", post_plain, [members])

    def post_cw():
        status = toot.json("post", f"Behind a warning {suffix}", "--spoiler-text", "a warning", "--sensitive")
        expect(status["spoiler_text"] == "a warning", f"spoiler_text: {status['spoiler_text']}")
        expect(status["sensitive"] is True, f"sensitive: {status['sensitive']}")
        return status

    check("post --spoiler-text --sensitive", post_cw, [members])

    def post_poll():
        status = toot.json(
            "post", f"Which one? {suffix}", "--poll-option", "tea", "--poll-option", "coffee", "--poll-expires-in", "1d"
        )
        poll = status.get("poll")
        expect(poll, f"a poll: {poll}")
        expect([o["title"] for o in poll["options"]] == ["tea", "coffee"], f"options: {poll['options']}")
        return status

    poll_status = check("post with a poll", post_poll, [members])

    def polls():
        poll_id = poll_status["poll"]["id"]
        voted = toot.json("polls", "vote", poll_id, "1", user=bob)
        expect(voted.get("voted") is True and voted.get("own_votes") == [1], f"the vote: {short(voted)}")
        shown = toot.json("polls", "show", poll_id)
        expect(shown["votes_count"] == 1 and shown["options"][1]["votes_count"] == 1, f"counted: {shown['options']}")
        out = toot.text("polls", "show", poll_id)
        expect("coffee" in out, f"toot's rendering: {short(out)}")

    check("polls vote and polls show", polls, [poll_status])

    def upload():
        png = home / "pixel.png"
        png.write_bytes(tiny_png())
        media = toot.json("upload", png, "--description", "one pixel")
        expect(media.get("type") == "image" and media.get("id"), f"an image attachment: {short(media)}")
        status = toot.json("post", "a picture", "--media", png, "--description", "one pixel again")
        attachments = status["media_attachments"]
        expect(len(attachments) == 1, f"one attachment: {attachments}")
        expect(attachments[0]["description"] == "one pixel again", f"its description: {attachments[0]}")
        expect(attachments[0]["type"] == "image", f"its type: {attachments[0]['type']}")

    check("upload, and post --media with a description", upload, [members])

    def reply_and_thread():
        reply = toot.json("post", f"@{alice_name} a reply {suffix}", "--reply-to", plain["id"], user=bob)
        expect(reply["in_reply_to_id"] == plain["id"], f"in_reply_to_id: {reply['in_reply_to_id']}")
        context = toot.json("thread", plain["id"])
        expect(reply["id"] in ids(context["descendants"]), f"the reply among the descendants: {ids(context['descendants'])}")
        out = toot.text("thread", plain["id"])
        expect(f"Hello from toot {suffix}" in out and f"a reply {suffix}" in out, f"toot's rendering: {short(out)}")
        status = toot.json("status", reply["id"])
        expect(status["id"] == reply["id"], "status --json")
        out = toot.text("status", reply["id"])
        expect(f"a reply {suffix}" in out, f"status: {short(out)}")
        return reply

    check("post --reply-to, thread and status", reply_and_thread, [plain, followed])

    def interactions():
        favourited = toot.json("favourite", plain["id"], user=bob)
        expect(favourited.get("favourited") is True, f"favourited: {favourited.get('favourited')}")
        reblog = toot.json("reblog", plain["id"], user=bob)
        expect((reblog.get("reblog") or {}).get("id") == plain["id"], f"a reblog of it: {short(reblog)}")
        by = toot.text("reblogged-by", plain["id"])
        expect(bob_name in by, f"reblogged-by names bob: {short(by)}")
        bookmarked = toot.json("bookmark", plain["id"], user=bob)
        expect(bookmarked.get("bookmarked") is True, f"bookmarked: {bookmarked.get('bookmarked')}")
        out = toot.text("bookmarks", "--once", user=bob)
        expect(f"Hello from toot {suffix}" in out, f"`toot bookmarks` shows it: {short(out)}")

    check("favourite, reblog, reblogged-by, bookmark, bookmarks", interactions, [plain, followed])

    def pin():
        pinned = toot.json("pin", plain["id"])
        expect(pinned.get("pinned") is True, f"pinned: {pinned.get('pinned')}")
        unpinned = toot.json("unpin", plain["id"])
        expect(unpinned.get("pinned") is False, f"unpinned: {unpinned.get('pinned')}")

    check("pin and unpin", pin, [plain])

    # Six more posts by alice for paging; bob follows her, so his home timeline has them.
    def home_timeline():
        posted = [toot.json("post", f"page post {i} {suffix}")["id"] for i in range(6)]
        state["posted"] = posted
        first = toot.json("timelines", "home", "--limit", "3", user=bob)
        expect(ids(first) == posted[:2:-1], f"the newest three first: {ids(first)} (posted {posted})")
        second = toot.json("timelines", "home", "--limit", "3", "--max-id", first[-1]["id"], user=bob)
        expect(ids(second) == posted[2::-1], f"the next three with --max-id: {ids(second)} (posted {posted})")
        out = toot.text("timelines", "home", "--limit", "3", "--no-pager", "--no-clear", user=bob)
        expect(f"page post 5 {suffix}" in out and f"page post 3 {suffix}" in out, f"toot's rendering: {short(out)}")

    check("timelines home (--json, --max-id paging, rendered)", home_timeline, [followed])

    def old_timeline():
        out = toot.text("timeline", "--once", "--count", "3", user=bob)
        expect(f"page post 5 {suffix}" in out, f"`toot timeline` shows the newest: {short(out)}")
        out = toot.text("timeline", "--public", "--local", "--once", "--count", "3", user=bob)
        expect(f"page post 5 {suffix}" in out, f"`toot timeline --public --local`: {short(out)}")

    check("timeline (the older command, home and public)", old_timeline, [state.get("posted") or None])

    def public_timelines():
        posted = state["posted"]
        local = toot.json("timelines", "public", "--local", "--limit", "2", "--max-id", posted[5])
        expect(ids(local) == [posted[4], posted[3]], f"public --local --max-id: {ids(local)}")
        public = toot.text("timelines", "public", "--limit", "2", "--no-pager", "--no-clear")
        expect(f"page post 5 {suffix}" in public, f"public, rendered: {short(public)}")
        tagged = toot.json("timelines", "tag", f"toot{suffix}", user=bob)
        expect(ids(tagged) == [plain["id"]], f"tag: {ids(tagged)}")
        account = toot.json("timelines", "account", alice_name, "--limit", "1", user=bob)
        expect(ids(account) == [posted[5]], f"account: {ids(account)}")

    check("timelines public, tag and account", public_timelines, [state.get("posted") or None, plain])

    def notifications():
        data = toot.json("notifications")
        types = {n["type"] for n in data}
        for wanted in ("follow", "favourite", "reblog", "mention"):
            expect(wanted in types, f"a {wanted} notification (got {sorted(types)})")
        only = toot.json("notifications", "--type", "follow")
        expect(only and all(n["type"] == "follow" for n in only), f"--type follow: {[n['type'] for n in only]}")
        out = toot.text("notifications")
        expect(bob_name in out and "favourited" in out.lower(), f"toot's rendering: {short(out)}")

    check("notifications (--json, --type, rendered)", notifications, [plain, followed])

    def search():
        accounts = toot.json("search", alice_name, "--type", "accounts", user=bob)
        expect(
            any(a["id"] == members["alice"]["id"] for a in accounts["accounts"]),
            f"alice among {[a['acct'] for a in accounts['accounts']]}",
        )
        hashtags = toot.json("search", f"#toot{suffix}", "--type", "hashtags", user=bob)
        expect(
            any(t["name"].lower() == f"toot{suffix}" for t in hashtags["hashtags"]),
            f"the tag among {hashtags['hashtags']}",
        )
        statuses = toot.json("search", f"Hello from toot {suffix}", "--type", "statuses", user=bob)
        expect(plain["id"] in ids(statuses["statuses"]), f"the status among {ids(statuses['statuses'])}")
        out = toot.text("search", alice_name, user=bob)
        expect(alice_name in out, f"toot's rendering: {short(out)}")

    check("search (accounts, hashtags, statuses)", search, [plain])

    def lists():
        title = f"toot {suffix}"
        created = toot.json("lists", "create", title, user=bob)
        expect(created.get("title") == title and created.get("id"), f"the list: {short(created)}")
        toot.run("lists", "add", title, alice_name, user=bob)
        accounts = toot.json("lists", "accounts", title, user=bob)
        expect([a["id"] for a in accounts] == [members["alice"]["id"]], f"alice alone in it: {[a['acct'] for a in accounts]}")
        every = toot.json("lists", "list", user=bob)
        expect(any(entry["id"] == created["id"] for entry in every), f"lists list: {every}")
        status = toot.json("post", f"for the list {suffix}")
        timeline = toot.json("timelines", "list", title, user=bob)
        expect(ids(timeline)[:1] == [status["id"]], f"the list timeline starts with alice's new post: {ids(timeline)}")
        toot.run("lists", "remove", title, alice_name, user=bob)
        toot.run("lists", "delete", title, user=bob)
        after = toot.json("lists", "list", user=bob)
        expect(all(entry["id"] != created["id"] for entry in after), "deleted")

    check("lists create, add, accounts, list, timelines list, remove, delete", lists, [followed])

    def tags():
        toot.json("tags", "follow", f"toot{suffix}", user=bob)
        followed_tags = toot.json("tags", "followed", user=bob)
        expect(any(t["name"].lower() == f"toot{suffix}" for t in followed_tags), f"followed: {followed_tags}")
        info = toot.json("tags", "info", f"toot{suffix}", user=bob)
        expect(info.get("following") is True, f"tags info: {short(info)}")
        toot.json("tags", "unfollow", f"toot{suffix}", user=bob)

    check("tags follow, followed, info, unfollow", tags, [plain])

    def delete():
        status = toot.json("post", f"to be deleted {suffix}")
        toot.run("delete", status["id"])
        gone = toot.run("status", status["id"], check=False)
        expect(gone.returncode != 0, f"`toot status` of a deleted status: {short(gone.stdout)}")

    check("delete", delete, [members])

    def tui():
        toot.run("follow", bob_name)
        newest = toot.json("post", f"Seen in the TUI {suffix}", user=bob)
        timeline = toot.json("timelines", "home", "--limit", "1")
        expect(ids(timeline) == [newest["id"]], f"bob's post tops alice's home timeline: {ids(timeline)}")
        screen = capture_tui(toot, home, f"Seen in the TUI {suffix}")
        expect(f"Seen in the TUI {suffix}" in screen, f"the first screen shows the newest post:\n{screen}")
        expect(bob_name in screen, f"and its author:\n{screen}")
        expect("[home]" in screen, f"in the home timeline:\n{screen}")

    if shutil.which("tmux"):
        check("tui: the first screen in tmux shows the home timeline", tui, [followed])
    else:
        runner._fail("tui: the first screen in tmux shows the home timeline", "tmux is not installed")

    print(f"toot: {runner.passed} passed, {runner.failed} failed", flush=True)
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
