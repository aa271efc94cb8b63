"""Web Push, grouped notifications and notification policies, driven through Mastodon.py as an app
drives them (Mastodon 4.3's grouped notifications and policies, 4.4's standard Web Push), for
conformance.py.

The pushes go to a push service of our own (push_sink.py, an HTTP server on 127.0.0.1) and are
checked by implementations that are not the server's: legacy (`aesgcm`) payloads are decrypted by
Mastodon.py's `push_subscription_decrypt_push`, standard (RFC 8291 `aes128gcm`) ones by `http_ece`,
and the VAPID JWT (RFC 8292) is verified with `cryptography`. Three members sign up: carol
subscribes (with two tokens: one subscription per token) and receives; dave and erin mention,
favourite and follow her.

Every answer still goes through conformance.py's schema-validating hook; `h` carries what this
module needs from it (client, raw, last_json, expect, ...), so the two never import each other.
"""

import re
import secrets
import time

from push_sink import (CRYPTO_MISSING, PushError, PushSink, b64url_decode, b64url_encode, decrypt_aes128gcm,
                       describe, public_key, verify_vapid)

# The server's job worker runs every second: a push has this long to arrive.
PUSH_WAIT = 15
# How long a push that must not come is given before the barrier (a later push that must) is sent.
QUIET_WAIT = 4
# The alerts both subscriptions start with (reblog off: a flag set to false must read back false).
ALERTS = {"mention": True, "favourite": True, "follow": True, "reblog": False}
POLICY_FIELDS = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions",
                 "for_limited_accounts")
# Mastodon's defaults: private mentions from strangers and limited accounts are filtered.
POLICY_DEFAULTS = {"for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
                   "for_private_mentions": "filter", "for_limited_accounts": "filter"}
SUBSCRIPTIONS = {
    # name: (Content-Encoding, who decrypts)
    "legacy": ("aesgcm", "Mastodon.py's push_subscription_decrypt_push"),
    "standard": ("aes128gcm", "http_ece"),
}


def run_push_and_notification_groups(check, h):
    """`h`: client, raw, last_json, suffix, base, have_app, scopes, expect, short, Failure, ids_of,
    browser_token (conformance.py's)."""
    print("== push and notification groups: Web Push to a push service of our own, grouped notifications, "
          "notification policies", flush=True)
    if CRYPTO_MISSING is not None:
        print(f"    note: {CRYPTO_MISSING}: install tests/clients/requirements.txt (http-ece, cryptography); "
              "the push checks will fail", flush=True)
    sink = PushSink().start()
    try:
        s = {}
        run_push(check, h, s, sink)
        run_grouped_notifications(check, h, s)
        run_notification_policy(check, h, s)
    finally:
        sink.close()


# --- Shared helpers ---------------------------------------------------------------------------------


def helpers(h, s):
    expect, short = h.expect, h.short

    def need(*keys):
        return [(key, s.get(key)) for key in keys]

    def api(name, token="token"):
        return h.client(s[name][token])

    def uid(name):
        return s[name]["id"]

    def bearer(token):
        return {"Authorization": f"Bearer {token}"}

    def post(name, text, **options):
        status = api(name).status_post(text, **options)
        expect(isinstance(status, dict) and status.get("id"), f"posting answered {short(status, 200)}")
        return str(status["id"])

    def mention(sender, text):
        return post(sender, f"@{s['carol']['username']} {text} {h.suffix}")

    def notification_of(kind, status_id, name="carol"):
        """carol's notification of `kind` about `status_id` (v1 list), or a Failure."""
        notes = api(name).notifications(types=[kind], limit=40)
        found = [n for n in notes if n.get("status") and str(n["status"]["id"]) == str(status_id)]
        expect(found, f"{name}'s notifications (types[]={kind}) have none about status {status_id}: "
                      f"{[(str(n['id']), n.get('type')) for n in notes]}")
        return found[0]

    def crypto(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except PushError as exc:
            raise h.Failure(str(exc))

    return need, api, uid, bearer, post, mention, notification_of, crypto


# --- Web Push ---------------------------------------------------------------------------------------


def run_push(check, h, s, sink):
    expect, short, raw, last_json = h.expect, h.short, h.raw, h.last_json
    need, api, uid, bearer, post, mention, notification_of, crypto = helpers(h, s)

    for name in ("carol", "dave", "erin"):
        def sign_up(name=name):
            username = f"push{name}_{h.suffix}"
            password = secrets.token_urlsafe(18)
            email = f"{username}@example.com"
            token = h.client().create_account(username, password, email, agreement=True, locale="en",
                                              scopes=h.scopes)
            expect(isinstance(token, str) and token, f"token is {token!r}")
            account = h.client(token).account_verify_credentials()
            expect(account.get("username") == username, f"username is {account.get('username')!r}")
            s[name] = {"token": token, "id": str(account["id"]), "username": username, "email": email,
                       "password": password}

        check(f"push: sign up {name} (create_account)", sign_up, needs=[("an app", h.have_app)])

    def second_token():
        token, app = h.browser_token(h.base, raw, s["carol"]["email"], s["carol"]["password"],
                                     " ".join(h.scopes), f"ferrodon push test {h.suffix}")
        expect(token["access_token"] != s["carol"]["token"], "the second sign-in answered the first token")
        s["carol"]["token2"] = token["access_token"]
        s["app2"] = app

    check("push: a second token for carol (an app of its own, browser sign-in with PKCE)", second_token,
          needs=need("carol"))

    def vapid_key():
        response = raw("GET", "/api/v2/instance")
        expect(response.status_code == 200, f"GET /api/v2/instance answered {response.status_code}")
        key = ((response.json().get("configuration") or {}).get("vapid") or {}).get("public_key")
        expect(isinstance(key, str) and key, f"configuration.vapid.public_key is {key!r}")
        crypto(public_key, crypto(b64url_decode, key), "configuration.vapid.public_key")
        via_library = h.client(s["carol"]["token"]).instance_v2()
        library_key = ((via_library.get("configuration") or {}).get("vapid") or {}).get("public_key")
        expect(library_key == key, f"Mastodon.py's instance_v2() reads {library_key!r}, GET answered {key!r}")
        h.client(s["carol"]["token"]).app_verify_credentials()
        app = last_json("/api/v1/apps/verify_credentials") or {}
        for what, answer in (("GET /api/v1/apps/verify_credentials", app),
                             ("POST /api/v1/apps (carol's second app)", s.get("app2") or {})):
            if "vapid_key" in answer:
                expect(answer["vapid_key"] == key, f"{what}: vapid_key is {answer['vapid_key']!r}, but "
                                                   f"configuration.vapid.public_key is {key!r}")
        s["vapid"] = key

    check("push: the VAPID key (configuration.vapid.public_key in /api/v2/instance, the apps' vapid_key)",
          vapid_key, needs=need("carol"))

    def expect_subscription(answer, what, endpoint, alerts, standard):
        expect(isinstance(answer, dict), f"{what} answered {short(answer, 200)}")
        expect(isinstance(answer.get("id"), str) and answer["id"], f"{what}: id is {answer.get('id')!r}")
        expect(answer.get("endpoint") == endpoint, f"{what}: endpoint is {answer.get('endpoint')!r}, "
                                                   f"expected {endpoint!r}")
        got = answer.get("alerts") or {}
        wrong = {k: got.get(k) for k, v in alerts.items() if got.get(k) is not v}
        expect(not wrong, f"{what}: alerts {wrong} differ from what was asked, {alerts} (all alerts: {got})")
        expect(answer.get("policy") == "all", f"{what}: policy is {answer.get('policy')!r}, expected 'all'")
        expect(answer.get("standard") is standard, f"{what}: standard is {answer.get('standard')!r}, "
                                                   f"expected {standard}")
        server_key = answer.get("server_key")
        expect(isinstance(server_key, str) and server_key, f"{what}: server_key is {server_key!r}")
        if s.get("vapid"):
            expect(server_key == s["vapid"], f"{what}: server_key is {server_key!r}, but "
                                             f"configuration.vapid.public_key is {s['vapid']!r}")
        crypto(public_key, crypto(b64url_decode, server_key), f"{what}: server_key")

    def subscribe_legacy():
        mastodon = h.client(s["carol"]["token"])
        priv, pub = mastodon.push_subscription_generate_keys()
        endpoint = sink.url("legacy")
        mastodon.push_subscription_set(endpoint, pub, mention_events=True, favourite_events=True,
                                       follow_events=True, reblog_events=False, policy="all")
        answer = last_json("/api/v1/push/subscription")
        expect_subscription(answer, "POST /api/v1/push/subscription", endpoint, ALERTS, standard=False)
        s["legacy"] = {"token": s["carol"]["token"], "priv": priv, "endpoint": endpoint, "id": answer["id"],
                       "server_key": answer["server_key"], "api": mastodon, "standard": False}

    check("push: subscribe (push_subscription_set: form, standard base64 keys; legacy aesgcm) with carol's "
          "first token", subscribe_legacy, needs=need("carol"))

    def subscribe_standard():
        # Mastodon.py 2.3.3's push_subscription_set takes `standard` but never sends it, so this one
        # is made as a browser-based app makes it: a JSON body, the keys as PushSubscription.toJSON()
        # gives them (base64url without padding), the policy under `data`.
        mastodon = h.client(s["carol"]["token2"])
        priv, pub = mastodon.push_subscription_generate_keys()
        endpoint = sink.url("standard")
        response = raw("POST", "/api/v1/push/subscription", headers=bearer(s["carol"]["token2"]), json={
            "subscription": {"endpoint": endpoint, "standard": True,
                             "keys": {"p256dh": b64url_encode(pub["pubkey"]), "auth": b64url_encode(pub["auth"])}},
            "data": {"alerts": ALERTS, "policy": "all"}})
        expect(response.status_code == 200, f"POST /api/v1/push/subscription (JSON, standard) answered "
                                            f"{response.status_code}: {short(response.text)}")
        answer = response.json()
        expect_subscription(answer, "POST /api/v1/push/subscription (standard)", endpoint, ALERTS, standard=True)
        expect(answer["id"] != (s.get("legacy") or {}).get("id"),
               "the second token's subscription has the first one's id (one subscription per token)")
        s["standard"] = {"token": s["carol"]["token2"], "priv": priv, "endpoint": endpoint, "id": answer["id"],
                         "server_key": answer["server_key"], "api": mastodon, "standard": True}

    check("push: subscribe with standard=true (JSON body, subscription[standard], RFC 8291 aes128gcm) with "
          "carol's second token", subscribe_standard,
          needs=need("carol") + [("a second token", s.get("carol", {}).get("token2"))])

    for kind in SUBSCRIPTIONS:
        def read_back(kind=kind):
            sub = s[kind]
            got = h.client(sub["token"]).push_subscription()
            expect(str(got.get("id")) == sub["id"], f"push_subscription() answered id {got.get('id')!r}, "
                                                    f"expected this token's {sub['id']!r}")
            expect_subscription(last_json("/api/v1/push/subscription"), "GET /api/v1/push/subscription",
                                sub["endpoint"], ALERTS, standard=sub["standard"])

        check(f"push: push_subscription reads back the {kind} subscription (GET /api/v1/push/subscription)",
              read_back, needs=need(kind))

    # Deliveries ---------------------------------------------------------------------------------

    def decrypt(kind, record):
        """The payload of a push (cached in the record), or the PushError saying why not."""
        if "decoded" not in record:
            try:
                sub = s[kind]
                record["decoded"] = (decrypt_legacy(record, sub) if not sub["standard"]
                                     else decrypt_aes128gcm(record, sub["priv"]))
            except PushError as exc:
                record["decoded"] = exc
            except Exception as exc:
                record["decoded"] = PushError(f"{type(exc).__name__}: {exc}")
        return record["decoded"]

    def received(kind, after=0):
        records = sink.received(kind)[after:]
        if not records:
            return "nothing arrived"
        return f"{len(records)} arrived: " + " | ".join(describe(r, decrypt(kind, r)) for r in records)

    def await_push(kind, notification_type, after=0, notification_id=None):
        """The first push to `kind`'s endpoint (from index `after`) whose payload is of
        `notification_type` (and `notification_id`), within PUSH_WAIT seconds."""
        deadline = time.monotonic() + PUSH_WAIT
        while True:
            records = sink.received(kind)
            for record in records[after:]:
                payload = decrypt(kind, record)
                if (isinstance(payload, dict) and payload.get("notification_type") == notification_type
                        and (notification_id is None or str(payload.get("notification_id")) == str(notification_id))):
                    return record, payload
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sink.wait(kind, len(records), min(left, 1.0))
        wanted = notification_type + (f" (notification {notification_id})" if notification_id else "")
        raise h.Failure(f"no {wanted} push reached {sink.url(kind)} within {PUSH_WAIT} s; "
                        f"{received(kind, after)}")

    def trigger():
        favourited = post("carol", f"a status dave favourites {h.suffix}")
        mentioned = mention("dave", "a mention that is pushed")
        api("dave").status_favourite(favourited)
        api("dave").account_follow(uid("carol"))
        s["pushed"] = {
            "mention": str(notification_of("mention", mentioned)["id"]),
            "favourite": str(notification_of("favourite", favourited)["id"]),
        }
        follows = [n for n in api("carol").notifications(types=["follow"], limit=40)
                   if str(n["account"]["id"]) == uid("dave")]
        expect(follows, "carol's notifications have no follow from dave")
        s["pushed"]["follow"] = str(follows[0]["id"])

    check("push: dave mentions carol, favourites her status and follows her (three notifications)", trigger,
          needs=need("carol", "dave") + [("a subscription", s.get("legacy") or s.get("standard"))])

    def expect_payload(kind, payload, notification_type):
        sub = s[kind]
        expect(payload.get("access_token") == sub["token"],
               f"access_token is {short(payload.get('access_token'), 60)!r}, expected the token of this "
               f"subscription ({kind}); the payload: {short(payload, 400)}")
        expect(str(payload.get("notification_id")) == s["pushed"][notification_type],
               f"notification_id is {payload.get('notification_id')!r}, expected carol's {notification_type} "
               f"notification {s['pushed'][notification_type]}; the payload: {short(payload, 400)}")
        expect(isinstance(payload.get("notification_id"), (str, int))
               and not isinstance(payload.get("notification_id"), bool),
               f"notification_id is {payload.get('notification_id')!r}, expected a string or an integer")
        listed = h.ids_of(api("carol").notifications(limit=40))
        expect(str(payload["notification_id"]) in listed,
               f"notification {payload['notification_id']} is not among carol's notifications {listed}")
        expect(isinstance(payload.get("preferred_locale"), str) and payload["preferred_locale"],
               f"preferred_locale is {payload.get('preferred_locale')!r}")
        expect(isinstance(payload.get("icon"), str) and payload["icon"].startswith(("http://", "https://")),
               f"icon is {payload.get('icon')!r}, expected the sender's avatar URL")
        expect(isinstance(payload.get("title"), str) and payload["title"].strip(),
               f"title is {payload.get('title')!r}, expected a headline")
        # A follow's body is the follower's bio, empty for a new account.
        expect(isinstance(payload.get("body"), str), f"body is {payload.get('body')!r}, expected a string")
        if notification_type == "mention":
            expect("a mention that is pushed" in payload["body"],
                   f"the mention's body is {payload['body']!r}, expected the status's text")

    for kind, (encoding, decrypter) in SUBSCRIPTIONS.items():
        for notification_type in ("mention", "favourite", "follow"):
            def delivered(kind=kind, notification_type=notification_type):
                _, payload = await_push(kind, notification_type, notification_id=s["pushed"][notification_type])
                expect_payload(kind, payload, notification_type)

            check(f"push: {kind}: the {notification_type} is pushed (Content-Encoding {encoding}, decrypted by "
                  f"{decrypter})", delivered, needs=need(kind, "pushed"))

        def vapid(kind=kind):
            sub = s[kind]
            records = sink.received(kind)
            problems = {}  # message: the first push that fails with it
            failing = 0
            for record in records:
                try:
                    verify_vapid(record, sub["endpoint"], sub["server_key"], standard=sub["standard"])
                except PushError as exc:
                    failing += 1
                    problems.setdefault(str(exc), record)
            expect(not problems, f"{failing} of {len(records)} pushes fail: " + " | ".join(
                f"{message} (e.g. {describe(record)})" for message, record in problems.items()))

        form = ("Authorization: vapid t=<jwt>, k=<key>" if kind == "standard"
                else "Authorization: WebPush <jwt> with Crypto-Key p256ecdsa=, or vapid t=, k=")
        check(f"push: {kind}: every push carries VAPID ({form}; ES256 JWT verified, aud the endpoint's origin, "
              f"exp within 24 h, sub mailto:/https:), TTL and Urgency", vapid,
              needs=need(kind) + [("a push that arrived", sink.received(kind))])

    def update():
        sub = s["legacy"]
        alerts = dict(ALERTS, favourite=False)
        # Every flag is sent: Mastodon replaces the alerts with what an update carries.
        sub["api"].push_subscription_update(mention_events=True, favourite_events=False, follow_events=True,
                                            reblog_events=False)
        answer = last_json("/api/v1/push/subscription")
        expect_subscription(answer, "PUT /api/v1/push/subscription", sub["endpoint"], alerts, standard=False)
        expect(answer["id"] == sub["id"], f"the update answered subscription {answer['id']}, not {sub['id']}")
        got = h.client(sub["token"]).push_subscription()
        expect((got.get("alerts") or {}).get("favourite") is False,
               f"push_subscription() still reads alerts {got.get('alerts')}")
        s["favourites off"] = True

    check("push: push_subscription_update switches the legacy subscription's favourite alerts off "
          "(PUT /api/v1/push/subscription)", update, needs=need("legacy"))

    def switched_off():
        mark = len(sink.received("legacy"))
        favourited = post("carol", f"a status favourited while favourite alerts are off {h.suffix}")
        api("dave").status_favourite(favourited)
        favourite = str(notification_of("favourite", favourited)["id"])
        time.sleep(QUIET_WAIT)
        barrier = mention("dave", "a mention after the unpushed favourite")
        barrier_note = str(notification_of("mention", barrier)["id"])
        await_push("legacy", "mention", after=mark, notification_id=barrier_note)
        pushed = [r for r in sink.received("legacy")[mark:] if isinstance(decrypt("legacy", r), dict)
                  and decrypt("legacy", r).get("notification_type") == "favourite"]
        expect(not pushed, f"with favourite alerts off, favourites were still pushed (notification {favourite}): "
                           + " | ".join(describe(r, decrypt("legacy", r)) for r in pushed))

    check("push: with favourite alerts off, a favourite is not pushed (a later mention is: the barrier)",
          switched_off, needs=need("favourites off", "dave"))

    def delete():
        sub = s["legacy"]
        sub["api"].push_subscription_delete()
        response = raw("GET", "/api/v1/push/subscription", headers=bearer(sub["token"]))
        expect(response.status_code == 404, f"after push_subscription_delete, GET /api/v1/push/subscription "
                                            f"answered {response.status_code}, expected 404: {short(response.text)}")
        other = s.get("standard")
        if other:
            response = raw("GET", "/api/v1/push/subscription", headers=bearer(other["token"]))
            expect(response.status_code == 200 and str(response.json().get("id")) == other["id"],
                   f"deleting the first token's subscription touched the second token's: GET answered "
                   f"{response.status_code} {short(response.text)}")
            other["api"].push_subscription_delete()
            response = raw("GET", "/api/v1/push/subscription", headers=bearer(other["token"]))
            expect(response.status_code == 404, f"after deleting the standard subscription, GET answered "
                                                f"{response.status_code}, expected 404")

    check("push: push_subscription_delete removes a token's subscription (then GET answers 404), not the "
          "other token's", delete, needs=need("legacy"))

    def gone():
        sink.answer_with("gone", 410)
        mastodon = h.client(s["carol"]["token"])
        _, pub = mastodon.push_subscription_generate_keys()
        mastodon.push_subscription_set(sink.url("gone"), pub, mention_events=True, policy="all")
        mention("dave", "a mention for an endpoint that is gone")
        records = sink.wait("gone", 0, PUSH_WAIT)
        expect(records, f"no push reached {sink.url('gone')} within {PUSH_WAIT} s")
        deadline = time.monotonic() + 10
        while True:
            response = raw("GET", "/api/v1/push/subscription", headers=bearer(s["carol"]["token"]))
            if response.status_code == 404:
                return
            expect(time.monotonic() < deadline,
                   f"10 s after the push service answered 410 Gone, GET /api/v1/push/subscription still "
                   f"answers {response.status_code}: {short(response.text)}")
            time.sleep(0.5)

    check("push: a push service answering 410 Gone ends the subscription", gone, needs=need("carol", "dave"))


def decrypt_legacy(record, sub):
    """A legacy push decrypted by Mastodon.py, which reads the salt as everything after `salt=` in
    Encryption and the keys as `dh=<key>;p256ecdsa=<key>` in Crypto-Key."""
    headers = record["headers"]
    encoding = headers.get("content-encoding")
    if encoding != "aesgcm":
        raise PushError(f"Content-Encoding is {encoding!r}, expected 'aesgcm' (a legacy subscription)")
    encryption = headers.get("encryption", "")
    crypto_key = headers.get("crypto-key", "")
    hints = []
    if not re.fullmatch(r"\s*salt=[A-Za-z0-9_-]+=*\s*", encryption):
        hints.append(f"Encryption is {encryption!r}: Mastodon.py takes everything after salt= as the salt, so it "
                     "must be `salt=<base64url>` alone, as Mastodon sends it (no ;rs=)")
    if not re.search(r"(^|[;,]\s*)dh=[A-Za-z0-9_-]+=*\s*;", crypto_key) or not re.search(
            r"p256ecdsa=[A-Za-z0-9_-]+=*\s*$", crypto_key):
        hints.append(f"Crypto-Key is {crypto_key!r}: Mastodon.py needs `dh=<key>;p256ecdsa=<key>`, p256ecdsa last")
    try:
        payload = sub["api"].push_subscription_decrypt_push(record["body"], sub["priv"], encryption, crypto_key)
    except Exception as exc:
        raise PushError(f"Mastodon.py's push_subscription_decrypt_push fails: {type(exc).__name__}: {exc}"
                        + "".join(f"; {hint}" for hint in hints))
    return dict(payload)


# --- Grouped notifications (Mastodon 4.3) -------------------------------------------------------------


def run_grouped_notifications(check, h, s):
    expect, short, raw, last_json = h.expect, h.short, h.raw, h.last_json
    need, api, uid, bearer, post, mention, notification_of, crypto = helpers(h, s)

    def summary(groups):
        return [(g.get("group_key"), g.get("type"), g.get("notifications_count"), g.get("status_id"))
                for g in groups]

    def groups_now():
        api("carol").grouped_notifications(limit=40)
        result = last_json("/api/v2/notifications") or {}
        return result, result.get("notification_groups") or []

    def favourite_group():
        status = post("carol", f"a status two members favourite {h.suffix}")
        api("dave").status_favourite(status)
        api("erin").status_favourite(status)
        notes = [n for n in api("carol").notifications(types=["favourite"], limit=40)
                 if n.get("status") and str(n["status"]["id"]) == status]
        expect(len(notes) == 2, f"carol has {len(notes)} favourite notifications about {status}, expected 2")
        note_ids = sorted((str(n["id"]) for n in notes), key=lambda i: (len(i), i))
        result, groups = groups_now()
        mine = [g for g in groups if g.get("type") == "favourite" and str(g.get("status_id")) == status]
        expect(len(mine) == 1, f"expected one favourite group for status {status}, got {len(mine)}; "
                               f"groups (key, type, count, status): {summary(groups)}")
        group = mine[0]
        expect(group.get("notifications_count") == 2, f"notifications_count is {group.get('notifications_count')!r}")
        samples = [str(i) for i in group.get("sample_account_ids") or []]
        expect({uid("dave"), uid("erin")} <= set(samples),
               f"sample_account_ids {samples} lack dave ({uid('dave')}) or erin ({uid('erin')})")
        key = group.get("group_key")
        expect(isinstance(key, str) and key and not key.startswith("ungrouped-"),
               f"group_key is {key!r}, expected a shared key (not ungrouped-)")
        expect(str(group.get("most_recent_notification_id")) == note_ids[-1],
               f"most_recent_notification_id is {group.get('most_recent_notification_id')!r}, expected {note_ids[-1]}")
        expect(str(group.get("page_max_id")) == note_ids[-1] and str(group.get("page_min_id")) == note_ids[0],
               f"page_min_id/page_max_id are {group.get('page_min_id')!r}/{group.get('page_max_id')!r}, "
               f"expected {note_ids[0]}/{note_ids[-1]}")
        expect(isinstance(group.get("latest_page_notification_at"), str) and group["latest_page_notification_at"],
               f"latest_page_notification_at is {group.get('latest_page_notification_at')!r}")
        known = {str(a.get("id")) for a in (result.get("accounts") or []) + (result.get("partial_accounts") or [])}
        expect({uid("dave"), uid("erin")} <= known,
               f"accounts and partial_accounts ({sorted(known)}) lack dave or erin")
        statuses = {str(x.get("id")) for x in result.get("statuses") or []}
        expect(status in statuses, f"statuses ({sorted(statuses)}) lack the favourited status {status}")
        s["group"] = key

    check("grouped notifications: two favourites of one status are one group (grouped_notifications: "
          "count 2, sample_account_ids, page ids, latest_page_notification_at)", favourite_group,
          needs=need("carol", "dave", "erin"))

    def mention_group():
        status = mention("erin", "a mention is a group of its own")
        note = str(notification_of("mention", status)["id"])
        _, groups = groups_now()
        mine = [g for g in groups if g.get("type") == "mention" and str(g.get("status_id")) == status]
        expect(len(mine) == 1, f"expected one mention group for status {status}, got {len(mine)}; "
                               f"groups (key, type, count, status): {summary(groups)}")
        group = mine[0]
        expect(group.get("group_key") == f"ungrouped-{note}",
               f"group_key is {group.get('group_key')!r}, expected 'ungrouped-{note}'")
        expect(group.get("notifications_count") == 1, f"notifications_count is {group.get('notifications_count')!r}")
        expect(str(group.get("most_recent_notification_id")) == note,
               f"most_recent_notification_id is {group.get('most_recent_notification_id')!r}, expected {note}")
        samples = [str(i) for i in group.get("sample_account_ids") or []]
        expect(samples == [uid("erin")], f"sample_account_ids are {samples}, expected erin's [{uid('erin')}]")

    check("grouped notifications: a mention is a group of its own (group_key ungrouped-<notification id>)",
          mention_group, needs=need("carol", "erin"))

    def one_group():
        key = s["group"]
        api("carol").grouped_notification(key)
        result = last_json(f"/api/v2/notifications/{key}") or {}
        groups = result.get("notification_groups") or []
        expect(len(groups) == 1 and groups[0].get("group_key") == key,
               f"GET /api/v2/notifications/{key} answered groups {summary(groups)}")
        expect(groups[0].get("notifications_count") == 2,
               f"notifications_count is {groups[0].get('notifications_count')!r}, expected 2")
        accounts = h.ids_of(api("carol").grouped_notification_accounts(key))
        expect({uid("dave"), uid("erin")} <= set(accounts),
               f"GET /api/v2/notifications/{key}/accounts answered {accounts}, expected dave and erin")

    check("grouped notifications: grouped_notification(group_key) and grouped_notification_accounts", one_group,
          needs=need("group"))

    def unread_count():
        response = raw("GET", "/api/v2/notifications/unread_count", headers=bearer(s["carol"]["token"]))
        expect(response.status_code == 200, f"GET /api/v2/notifications/unread_count answered "
                                            f"{response.status_code}: {short(response.text)}")
        count = response.json().get("count")
        expect(isinstance(count, int) and not isinstance(count, bool) and count >= 1,
               f"count is {count!r}, expected a number (at least 1: carol has read nothing)")
        via_library = api("carol").unread_grouped_notifications_count()
        expect(via_library == count, f"unread_grouped_notifications_count() is {via_library!r}, GET answered {count}")

    check("grouped notifications: GET /api/v2/notifications/unread_count is a number", unread_count,
          needs=need("carol"))

    def dismiss():
        key = s["group"]
        response = raw("POST", f"/api/v2/notifications/{key}/dismiss", headers=bearer(s["carol"]["token"]))
        expect(response.status_code == 200, f"POST /api/v2/notifications/{key}/dismiss answered "
                                            f"{response.status_code}: {short(response.text)}")
        _, groups = groups_now()
        expect(key not in [g.get("group_key") for g in groups],
               f"grouped_notifications still lists {key}: {summary(groups)}")
        response = raw("GET", f"/api/v2/notifications/{key}", headers=bearer(s["carol"]["token"]))
        expect(response.status_code == 404, f"GET /api/v2/notifications/{key} after dismissing answered "
                                            f"{response.status_code}, expected 404")

    check("grouped notifications: dismissing a group (POST /api/v2/notifications/:group_key/dismiss) removes it",
          dismiss, needs=need("group"))


# --- Notification policy and requests (Mastodon 4.3) ---------------------------------------------------


def run_notification_policy(check, h, s):
    expect, short, last_json = h.expect, h.short, h.last_json
    need, api, uid, bearer, post, mention, notification_of, crypto = helpers(h, s)

    def expect_policy(policy, what):
        expect(isinstance(policy, dict), f"{what} answered {short(policy, 200)}")
        for field in POLICY_FIELDS:
            expect(policy.get(field) in ("accept", "filter", "drop"),
                   f"{what}: {field} is {policy.get(field)!r}, expected accept, filter or drop")
        summary = policy.get("summary") or {}
        for field in ("pending_requests_count", "pending_notifications_count"):
            expect(isinstance(summary.get(field), int) and not isinstance(summary.get(field), bool),
                   f"{what}: summary.{field} is {summary.get(field)!r}")

    def read():
        api("carol").notifications_policy()
        policy = last_json("/api/v2/notifications/policy")
        expect_policy(policy, "GET /api/v2/notifications/policy")
        differ = {k: policy[k] for k, v in POLICY_DEFAULTS.items() if policy[k] != v}
        expect(not differ, f"a new member's policy differs from Mastodon's defaults {POLICY_DEFAULTS}: {differ}")
        s["policy"] = policy

    check("notification policy: notifications_policy() has the five for_* fields (Mastodon's defaults) and "
          "summary", read, needs=need("carol"))

    def update():
        api("carol").update_notifications_policy(for_not_following="filter")
        policy = last_json("/api/v2/notifications/policy")
        expect_policy(policy, "PATCH /api/v2/notifications/policy")
        expect(policy["for_not_following"] == "filter", f"for_not_following is {policy['for_not_following']!r}")
        before = s.get("policy") or POLICY_DEFAULTS
        changed = {k: policy[k] for k in POLICY_FIELDS if k != "for_not_following" and policy[k] != before[k]}
        expect(not changed, f"updating for_not_following alone changed {changed}")
        api("carol").notifications_policy()
        again = last_json("/api/v2/notifications/policy") or {}
        expect(again.get("for_not_following") == "filter", f"read back, for_not_following is "
                                                           f"{again.get('for_not_following')!r}")
        s["filtering"] = True

    check("notification policy: update_notifications_policy(for_not_following='filter')", update,
          needs=need("carol"))

    def filtered():
        status = mention("erin", "a mention from someone carol does not follow")
        notes = api("carol").notifications(limit=40)
        shown = [str(n["id"]) for n in notes if n.get("status") and str(n["status"]["id"]) == status]
        expect(not shown, f"the stranger's mention is among carol's notifications ({shown}), expected a request")
        api("carol").notification_requests()
        requests = last_json("/api/v1/notifications/requests") or []
        mine = [r for r in requests if str((r.get("account") or {}).get("id")) == uid("erin")]
        expect(len(mine) == 1, f"expected one request from erin ({uid('erin')}), got "
                               f"{[(r.get('id'), (r.get('account') or {}).get('id')) for r in requests]}")
        request = mine[0]
        count = request.get("notifications_count")
        expect(str(count).isdigit() and int(count) >= 1, f"notifications_count is {count!r}")
        last = request.get("last_status")
        expect(last is None or str(last.get("id")) == status,
               f"last_status is {short(last, 120)}, expected the mention {status}")
        one = api("carol").notification_request(request["id"])
        expect(str(one.get("id")) == str(request["id"]), f"notification_request({request['id']}) answered "
                                                         f"{short(one, 200)}")
        api("carol").notifications_policy()
        pending = ((last_json("/api/v2/notifications/policy") or {}).get("summary") or {}).get("pending_requests_count")
        expect(isinstance(pending, int) and pending >= 1,
               f"summary.pending_requests_count is {pending!r}, expected 1 or more")
        s["request"] = str(request["id"])
        s["filtered mention"] = status

    check("notification policy: a mention from someone carol does not follow becomes a request "
          "(notification_requests, not notifications)", filtered, needs=need("filtering", "erin"))

    def accept():
        api("carol").accept_notification_request(s["request"])
        deadline = time.monotonic() + PUSH_WAIT
        while True:
            notes = api("carol").notifications(limit=40)
            if any(n.get("status") and str(n["status"]["id"]) == s["filtered mention"] for n in notes):
                break
            expect(time.monotonic() < deadline, f"{PUSH_WAIT} s after accepting, the mention "
                                                f"{s['filtered mention']} is not among carol's notifications")
            time.sleep(0.5)
        left = [str(r["id"]) for r in api("carol").notification_requests()]
        expect(s["request"] not in left, f"the accepted request {s['request']} is still listed: {left}")
        s["accepted"] = True

    check("notification policy: accept_notification_request moves the mention into notifications", accept,
          needs=need("request"))

    def merged():
        deadline = time.monotonic() + PUSH_WAIT
        while True:
            value = api("carol").notifications_merged()
            answer = last_json("/api/v1/notifications/requests/merged") or {}
            expect(isinstance(answer.get("merged"), bool), f"GET /api/v1/notifications/requests/merged answered "
                                                           f"{short(answer, 200)}, expected {{\"merged\": bool}}")
            if value or not s.get("accepted"):
                return
            expect(time.monotonic() < deadline, f"{PUSH_WAIT} s after accepting a request, merged is still false")
            time.sleep(0.5)

    check("notification policy: notifications_merged answers a bool (true once the accepted request is merged)",
          merged, needs=need("carol"))

    def accepted_sender():
        status = mention("erin", "a mention from a sender carol accepted")
        notes = api("carol").notifications(limit=40)
        expect(any(n.get("status") and str(n["status"]["id"]) == status for n in notes),
               "the accepted sender's next mention is not among carol's notifications")
        requests = [str((r.get("account") or {}).get("id")) for r in api("carol").notification_requests()]
        expect(uid("erin") not in requests, "the accepted sender has a request again")

    check("notification policy: an accepted sender's next mention is a notification at once", accepted_sender,
          needs=need("accepted"))

    def back_to_defaults():
        api("carol").update_notifications_policy(for_not_following="accept")
        policy = last_json("/api/v2/notifications/policy") or {}
        expect(policy.get("for_not_following") == "accept", f"for_not_following is {policy.get('for_not_following')!r}")

    check("notification policy: update_notifications_policy(for_not_following='accept') again", back_to_defaults,
          needs=need("filtering"))
