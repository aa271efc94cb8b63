//! Incoming activities beyond statuses and follows: Announce, Like, Block, Flag, Move, featured
//! Add/Remove, poll votes, Question updates, their Undos, and types we ignore, each delivered
//! signed through the inbox by fake remote servers.

use serde_json::{Value, json};

use crate::fake_remote::{FakeActor, FakeRemote, create_note};
use crate::federation_in::{app_with, count, local_actor};
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Delivers `activity` signed by `actor` to the shared inbox and processes it; whatever the
/// activity, the inbox answers 202 and the job ends (dropped or done, never left to retry).
pub async fn deliver(app: &TestApp, actor: &FakeActor, activity: &Value) {
    let response = actor.post(app, "/inbox", activity).await;
    assert_eq!(response.status(), 202, "{activity}");
    app.run_jobs().await;
    assert_eq!(
        count(app, "select count(*) from jobs where kind = 'process_activity'").await,
        0,
        "processing failed and waits for a retry: {activity}"
    );
}

/// A local status as remote servers name it.
fn status_uri(app: &TestApp, username: &str, id: &str) -> String {
    format!("{}/users/{username}/statuses/{id}", app.state.base_url)
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let (status, body) = json_of(app.get_with(path, token).await).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The id of a remote account, looked up by handle as a member would.
pub async fn account_id(app: &TestApp, member: &TestMember, handle: &str) -> String {
    let account = get_ok(
        app,
        &format!("/api/v1/accounts/lookup?acct={handle}"),
        &member.token,
    )
    .await;
    account["id"].as_str().unwrap().to_owned()
}

/// `member` follows a remote actor: a request, then its server's Accept.
pub async fn follow_remote(app: &TestApp, member: &TestMember, actor: &FakeActor, handle: &str) -> String {
    let id = account_id(app, member, handle).await;
    let (status, body) = json_of(
        app.post_form(&format!("/api/v1/accounts/{id}/follow"), Some(&member.token), &[])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let follow = json!({"id": format!("{}/follows/{id}", app.base_url), "type": "Follow",
                        "actor": local_actor(app, &member.username), "object": actor.uri});
    let accept = json!({"id": format!("{}#accepts/{id}", actor.uri), "type": "Accept",
                        "actor": actor.uri, "object": follow});
    deliver(app, actor, &accept).await;
    assert_eq!(relationship(app, member, &id).await["following"], true);
    id
}

async fn relationship(app: &TestApp, member: &TestMember, id: &str) -> Value {
    let relationships = get_ok(
        app,
        &format!("/api/v1/accounts/relationships?id[]={id}"),
        &member.token,
    )
    .await;
    relationships[0].clone()
}

async fn status_of(app: &TestApp, member: &TestMember, id: &str) -> Value {
    get_ok(app, &format!("/api/v1/statuses/{id}"), &member.token).await
}

/// How many boosts of status `id` exist.
async fn boosts_of(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("select count(*) from statuses where reblog_of_id = $1")
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn announce(actor: &FakeActor, n: u32, object: Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/statuses/{n}/activity", actor.uri),
        "type": "Announce",
        "actor": actor.uri,
        "published": "2026-11-21T08:00:00Z",
        "to": [PUBLIC],
        "cc": [format!("{}/followers", actor.uri)],
        "object": object,
    })
}

fn undo(actor: &FakeActor, n: u32, object: Value) -> Value {
    json!({"id": format!("{}#undos/{n}", actor.uri), "type": "Undo", "actor": actor.uri, "object": object})
}

#[tokio::test]
async fn an_announce_of_a_local_status_is_a_boost_that_notifies_counts_and_reaches_home() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let reader = app.member("reader", "read write follow").await;
    follow_remote(&app, &reader, &bob, "bob@remote.test").await;
    let status = post(&app, &alice, &[("status", "boost me")]).await;
    let id = status["id"].as_str().unwrap();

    let boost = announce(&bob, 1, json!(status_uri(&app, "alice", id)));
    deliver(&app, &bob, &boost).await;

    let (boost_id, uri, local): (i64, String, bool) =
        sqlx::query_as("select id, uri, local from statuses where reblog_of_id = $1")
            .bind(id.parse::<i64>().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(uri, boost["id"].as_str().unwrap());
    assert!(!local);
    // The boost's id carries the Announce's published time.
    let published = chrono::DateTime::parse_from_rfc3339("2026-11-21T08:00:00Z").unwrap();
    assert_eq!(boost_id >> 16, published.timestamp_millis());
    assert_eq!(status_of(&app, &alice, id).await["reblogs_count"], 1);
    let notifications = get_ok(&app, "/api/v1/notifications", &alice.token).await;
    assert_eq!(notifications[0]["type"], "reblog", "{notifications}");
    assert_eq!(notifications[0]["account"]["acct"], "bob@remote.test");
    assert_eq!(notifications[0]["status"]["id"], id);
    let home = get_ok(&app, "/api/v1/timelines/home", &reader.token).await;
    assert_eq!(home[0]["account"]["acct"], "bob@remote.test", "{home}");
    assert_eq!(home[0]["reblog"]["id"], id);

    // Redelivered, or announced again under another id: still one boost, counted once.
    deliver(&app, &bob, &boost).await;
    deliver(
        &app,
        &bob,
        &announce(&bob, 2, json!(status_uri(&app, "alice", id))),
    )
    .await;
    assert_eq!(boosts_of(&app, id).await, 1);
    assert_eq!(status_of(&app, &alice, id).await["reblogs_count"], 1);

    deliver(&app, &bob, &undo(&bob, 1, boost)).await;
    assert_eq!(boosts_of(&app, id).await, 0);
    assert_eq!(status_of(&app, &alice, id).await["reblogs_count"], 0);
    let home = get_ok(&app, "/api/v1/timelines/home", &reader.token).await;
    assert_eq!(home.as_array().unwrap().len(), 0, "{home}");
}

#[tokio::test]
async fn an_announce_of_an_unknown_remote_status_fetches_it_from_its_origin() {
    let remote = FakeRemote::start("remote.test").await;
    let other = FakeRemote::start("other.test").await;
    let bob = remote.add_actor("bob");
    let carol = other.add_actor("carol");
    let note = create_note(&carol, "n1", json!({ "content": "<p>from carol</p>" }))["object"].clone();
    other.serve_object(&note);
    let app = app_with(&[&remote, &other]).await;
    let reader = app.member("reader", "read write follow").await;
    follow_remote(&app, &reader, &bob, "bob@remote.test").await;

    deliver(&app, &bob, &announce(&bob, 1, note["id"].clone())).await;
    assert_eq!(other.hits("/notes/n1"), 1);
    let home = get_ok(&app, "/api/v1/timelines/home", &reader.token).await;
    assert_eq!(home[0]["account"]["acct"], "bob@remote.test", "{home}");
    assert_eq!(home[0]["reblog"]["account"]["acct"], "carol@other.test");
    assert_eq!(home[0]["reblog"]["uri"], note["id"]);
    assert!(
        home[0]["reblog"]["content"]
            .as_str()
            .unwrap()
            .contains("from carol")
    );
    assert_eq!(home[0]["reblog"]["reblogs_count"], 1);
}

#[tokio::test]
async fn an_embedded_object_is_believed_only_from_the_announcers_own_host() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let mallory = evil.add_actor("mallory");
    let real = create_note(&carol, "real", json!({ "content": "<p>real words</p>" }))["object"].clone();
    remote.serve_object(&real);
    let app = app_with(&[&remote, &evil]).await;

    // mallory embeds a copy of carol's status with other words: the real one is fetched.
    let mut forged = real.clone();
    forged["content"] = json!("<p>forged words</p>");
    deliver(&app, &mallory, &announce(&mallory, 1, forged)).await;
    assert_eq!(remote.hits("/notes/real"), 1);
    let (id, content): (i64, String) = sqlx::query_as("select id, content from statuses where uri = $1")
        .bind(real["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(content.contains("real words"), "{content}");
    assert_eq!(boosts_of(&app, &id.to_string()).await, 1);

    // bob embeds a status of his own server: it is taken as sent, without a fetch.
    let own = create_note(&bob, "own", json!({ "content": "<p>bob's own</p>" }))["object"].clone();
    deliver(&app, &bob, &announce(&bob, 1, own.clone())).await;
    assert_eq!(remote.hits("/notes/own"), 0);
    let (own_id,): (i64,) = sqlx::query_as("select id from statuses where uri = $1")
        .bind(own["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(boosts_of(&app, &own_id.to_string()).await, 1);
}

#[tokio::test]
async fn announces_of_private_or_unfetchable_statuses_and_misplaced_ids_are_dropped() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote, &evil]).await;
    let alice = app.member("alice", "read write").await;
    // bob follows alice, so he sees her private status, but it still cannot be boosted.
    let follow = json!({"id": format!("{}#follows/1", bob.uri), "type": "Follow", "actor": bob.uri,
                        "object": local_actor(&app, "alice")});
    deliver(&app, &bob, &follow).await;
    let private = post(
        &app,
        &alice,
        &[("status", "followers only"), ("visibility", "private")],
    )
    .await;
    let private_id = private["id"].as_str().unwrap();
    deliver(
        &app,
        &bob,
        &announce(&bob, 1, json!(status_uri(&app, "alice", private_id))),
    )
    .await;
    assert_eq!(boosts_of(&app, private_id).await, 0);

    // A status its origin does not serve.
    deliver(
        &app,
        &bob,
        &announce(&bob, 2, json!(format!("{}/notes/missing", remote.base()))),
    )
    .await;
    // An Announce whose id claims another server.
    let public = post(&app, &alice, &[("status", "public")]).await;
    let public_id = public["id"].as_str().unwrap();
    let mut elsewhere = announce(&bob, 3, json!(status_uri(&app, "alice", public_id)));
    elsewhere["id"] = json!(format!("{}/statuses/3/activity", evil.base()));
    deliver(&app, &bob, &elsewhere).await;
    assert_eq!(boosts_of(&app, public_id).await, 0);
    assert_eq!(count(&app, "select count(*) from statuses").await, 2);
}

fn like(actor: &FakeActor, n: u32, object: &str) -> Value {
    json!({"id": format!("{}#likes/{n}", actor.uri), "type": "Like", "actor": actor.uri, "object": object})
}

#[tokio::test]
async fn likes_are_favourites_with_notifications_and_undo_takes_them_back() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let mallory = evil.add_actor("mallory");
    let app = app_with(&[&remote, &evil]).await;
    let alice = app.member("alice", "read write").await;
    let status = post(&app, &alice, &[("status", "like me")]).await;
    let id = status["id"].as_str().unwrap();
    let uri = status_uri(&app, "alice", id);

    let bobs_like = like(&bob, 1, &uri);
    deliver(&app, &bob, &bobs_like).await;
    // A Misskey reaction is a Like with content: a favourite all the same.
    let mut reaction = like(&carol, 1, &uri);
    reaction["content"] = json!(":pudding:");
    reaction["_misskey_reaction"] = json!(":pudding:");
    reaction["tag"] = json!([{"type": "Emoji", "name": ":pudding:", "icon": {"type": "Image", "url": "http://remote.test/pudding.png"}}]);
    deliver(&app, &carol, &reaction).await;
    deliver(&app, &bob, &bobs_like).await;
    assert_eq!(status_of(&app, &alice, id).await["favourites_count"], 2);
    let notifications = get_ok(&app, "/api/v1/notifications", &alice.token).await;
    let kinds: Vec<&str> = notifications
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["favourite", "favourite"]);
    let likers = get_ok(
        &app,
        &format!("/api/v1/statuses/{id}/favourited_by"),
        &alice.token,
    )
    .await;
    assert_eq!(likers.as_array().unwrap().len(), 2);

    // mallory cannot take bob's favourite back, by copy or by id.
    deliver(&app, &mallory, &undo(&mallory, 1, bobs_like.clone())).await;
    deliver(&app, &mallory, &undo(&mallory, 2, bobs_like["id"].clone())).await;
    assert_eq!(status_of(&app, &alice, id).await["favourites_count"], 2);

    // bob undoes with the Like embedded, carol by naming only its id (both are sent).
    deliver(&app, &bob, &undo(&bob, 1, bobs_like)).await;
    assert_eq!(status_of(&app, &alice, id).await["favourites_count"], 1);
    deliver(&app, &carol, &undo(&carol, 1, reaction["id"].clone())).await;
    assert_eq!(status_of(&app, &alice, id).await["favourites_count"], 0);
    assert_eq!(count(&app, "select count(*) from favourites").await, 0);

    // A Like of a status we never had fetches nothing and changes nothing.
    deliver(
        &app,
        &bob,
        &like(&bob, 2, &format!("{}/notes/unknown", remote.base())),
    )
    .await;
    assert_eq!(remote.hits("/notes/unknown"), 0);
    assert_eq!(count(&app, "select count(*) from favourites").await, 0);
}

#[tokio::test]
async fn a_remote_block_ends_follows_both_ways_and_hides_each_until_undone() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let bob_id = follow_remote(&app, &alice, &bob, "bob@remote.test").await;
    let follow = json!({"id": format!("{}#follows/1", bob.uri), "type": "Follow", "actor": bob.uri,
                        "object": local_actor(&app, "alice")});
    deliver(&app, &bob, &follow).await;
    let note = create_note(&bob, "b1", json!({}));
    deliver(&app, &bob, &note).await;
    let (note_id,): (i64,) = sqlx::query_as("select id from statuses where uri = $1")
        .bind(note["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let note_path = format!("/api/v1/statuses/{note_id}");
    assert_eq!(relationship(&app, &alice, &bob_id).await["followed_by"], true);

    let block = json!({"id": format!("{}#blocks/1", bob.uri), "type": "Block", "actor": bob.uri,
                       "object": local_actor(&app, "alice")});
    deliver(&app, &bob, &block).await;
    let relation = relationship(&app, &alice, &bob_id).await;
    assert_eq!(relation["blocked_by"], true, "{relation}");
    assert_eq!(relation["following"], false);
    assert_eq!(relation["followed_by"], false);
    let (status, _) = json_of(app.get_with(&note_path, &alice.token).await).await;
    assert_eq!(status, 404);
    // A block of an account that is not ours changes nothing here.
    let elsewhere = json!({"id": format!("{}#blocks/2", bob.uri), "type": "Block", "actor": bob.uri,
                           "object": format!("{}/users/carol", remote.base())});
    deliver(&app, &bob, &elsewhere).await;
    assert_eq!(count(&app, "select count(*) from blocks").await, 1);

    deliver(&app, &bob, &undo(&bob, 1, block)).await;
    let relation = relationship(&app, &alice, &bob_id).await;
    assert_eq!(relation["blocked_by"], false, "{relation}");
    assert_eq!(relation["following"], false);
    let (status, _) = json_of(app.get_with(&note_path, &alice.token).await).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_flag_becomes_a_report_about_the_local_member_with_their_statuses() {
    let remote = FakeRemote::start("remote.test").await;
    // Mastodon flags as its instance actor, an Application.
    let instance = remote.add_actor_with("instance", 0, |doc| doc["type"] = json!("Application"));
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let eve = app.member("eve", "read write").await;
    let reported = post(&app, &alice, &[("status", "spam spam")]).await;
    let reported_id = reported["id"].as_str().unwrap();
    let other = post(&app, &eve, &[("status", "innocent")]).await;

    let flag = json!({
        "id": format!("{}/reports/1", remote.base()),
        "type": "Flag",
        "actor": instance.uri,
        "content": "Spam, <b>spam</b> &amp; more",
        "object": [
            local_actor(&app, "alice"),
            status_uri(&app, "alice", reported_id),
            status_uri(&app, "eve", other["id"].as_str().unwrap()),
            format!("{}/notes/theirs", remote.base()),
        ],
        "to": local_actor(&app, "alice"),
    });
    deliver(&app, &instance, &flag).await;
    deliver(&app, &instance, &flag).await;

    let (reporter, target, status_ids, comment, uri): (i64, i64, Vec<i64>, String, String) =
        sqlx::query_as("select account_id, target_account_id, status_ids, comment, uri from reports")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (instance_id,): (i64,) = sqlx::query_as("select id from accounts where uri = $1")
        .bind(&instance.uri)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reporter, instance_id);
    assert_eq!(target, alice.account_id);
    assert_eq!(status_ids, vec![reported_id.parse::<i64>().unwrap()]);
    assert_eq!(comment, "Spam, spam & more");
    assert_eq!(uri, flag["id"].as_str().unwrap());

    // A Flag about accounts of other servers files nothing here.
    let about_others = json!({"id": format!("{}/reports/2", remote.base()), "type": "Flag", "actor": instance.uri,
                              "content": "elsewhere", "object": [format!("{}/users/someone", remote.base())]});
    deliver(&app, &instance, &about_others).await;
    assert_eq!(count(&app, "select count(*) from reports").await, 1);
}

#[tokio::test]
async fn a_move_to_an_account_that_names_the_old_one_moves_local_followers() {
    let remote = FakeRemote::start("remote.test").await;
    let new = FakeRemote::start("new.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    new.add_actor_with("bob", 2, |_| {});
    let carol2 = new.add_actor_with("carol", 3, |_| {});
    let app = app_with(&[&remote, &new]).await;
    let alice = app.member("alice", "read write follow").await;
    let bob_id = follow_remote(&app, &alice, &bob, "bob@remote.test").await;
    let carol_id = follow_remote(&app, &alice, &carol, "carol@remote.test").await;
    // The new account is known before it names the old one: the Move fetches it afresh.
    let new_bob_id = account_id(&app, &alice, "bob@new.test").await;
    let new_bob = new.add_actor_with("bob", 2, |doc| doc["alsoKnownAs"] = json!([bob.uri]));
    // Other members' blocks, mutes and notes on the old account.
    let dave = app.member("dave", "read write follow").await;
    let erin = app.member("erin", "read write follow").await;
    for (member, path, form) in [
        (&dave, "block", vec![]),
        (&erin, "mute", vec![("notifications", "true")]),
        (&alice, "note", vec![("comment", "met at the fair")]),
    ] {
        let response = app
            .post_form(
                &format!("/api/v1/accounts/{bob_id}/{path}"),
                Some(&member.token),
                &form,
            )
            .await;
        assert_eq!(response.status(), 200, "{path}");
    }

    let moving = json!({"id": format!("{}#moves/1", bob.uri), "type": "Move", "actor": bob.uri,
                        "object": bob.uri, "target": new_bob.uri});
    deliver(&app, &bob, &moving).await;
    assert_eq!(
        relationship(&app, &dave, &new_bob_id).await["blocking"],
        true,
        "blocks carry over"
    );
    let muted = relationship(&app, &erin, &new_bob_id).await;
    assert_eq!(
        (muted["muting"].clone(), muted["muting_notifications"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        relationship(&app, &alice, &new_bob_id).await["note"],
        "met at the fair"
    );
    assert_eq!(
        count(&app, "select count(*) from outgoing_activities where body->>'type' = 'Block' and body->>'object' like '%new.test%'").await,
        1,
        "the new account's server is sent dave's Block"
    );
    assert_eq!(relationship(&app, &alice, &bob_id).await["following"], false);
    let relation = relationship(&app, &alice, &new_bob_id).await;
    // The new account is remote: a request until its server accepts.
    assert_eq!(relation["requested"], true, "{relation}");
    let (moved_to,): (Option<i64>,) =
        sqlx::query_as("select moved_to_account_id from accounts where uri = $1")
            .bind(&bob.uri)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(moved_to, Some(new_bob_id.parse::<i64>().unwrap()));
    // Clients show where the account went: `moved`, the new account (never nested further).
    let (status, shown) = json_of(
        app.get_with(&format!("/api/v1/accounts/{bob_id}"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    crate::admin_reports::assert_schema("Account", &shown);
    assert_eq!(shown["moved"]["id"], new_bob_id.as_str(), "{shown}");
    assert_eq!(shown["moved"]["acct"], "bob@new.test");
    assert!(shown["moved"].get("moved").is_none());
    let (_, new_shown) = json_of(
        app.get_with(&format!("/api/v1/accounts/{new_bob_id}"), &alice.token)
            .await,
    )
    .await;
    assert!(
        new_shown.get("moved").is_none(),
        "an account that did not move has no `moved`"
    );
    // A timeline shows the move too, and a change to the new account shows in it: a moved
    // account is never kept rendered, since its copy of the target would go stale.
    sqlx::query(
        "insert into statuses (id, account_id, local, uri, text, content, visibility, conversation_id)
         values (next_id(now()), $1, false, 'https://remote.test/notes/old', 'old', '<p>old</p>', 'public', 1)",
    )
    .bind(bob_id.parse::<i64>().unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    let timeline = format!("/api/v1/accounts/{bob_id}/statuses");
    for _ in 0..2 {
        let (_, page) = json_of(app.get_with(&timeline, &alice.token).await).await;
        assert_eq!(page[0]["account"]["moved"]["id"], new_bob_id.as_str(), "{page}");
    }
    sqlx::query("update accounts set display_name = 'Bob, moved in' where id = $1")
        .bind(new_bob_id.parse::<i64>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, page) = json_of(app.get_with(&timeline, &alice.token).await).await;
    assert_eq!(page[0]["account"]["moved"]["display_name"], "Bob, moved in");

    // carol's new account does not name her: nothing moves.
    let refused = json!({"id": format!("{}#moves/1", carol.uri), "type": "Move", "actor": carol.uri,
                         "object": carol.uri, "target": carol2.uri});
    deliver(&app, &carol, &refused).await;
    assert_eq!(relationship(&app, &alice, &carol_id).await["following"], true);
    let carol2_id = account_id(&app, &alice, "carol@new.test").await;
    assert_eq!(relationship(&app, &alice, &carol2_id).await["requested"], false);
    // Nor may one account move another.
    let hijack = json!({"id": format!("{}#moves/2", bob.uri), "type": "Move", "actor": bob.uri,
                        "object": carol.uri, "target": new_bob.uri});
    deliver(&app, &bob, &hijack).await;
    assert_eq!(relationship(&app, &alice, &carol_id).await["following"], true);
    assert_eq!(
        count(
            &app,
            "select count(*) from accounts where moved_to_account_id is not null"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn featured_add_and_remove_pin_and_unpin_the_actors_own_statuses() {
    let remote = FakeRemote::start("remote.test").await;
    let featured = format!("{}/users/bob/collections/featured", remote.base());
    let featured_in_doc = featured.clone();
    let bob = remote.add_actor_with("bob", 0, move |doc| doc["featured"] = json!(featured_in_doc));
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let pinned = create_note(&bob, "pinned", json!({}))["object"].clone();
    let other = create_note(&bob, "other", json!({}))["object"].clone();
    let carols = create_note(&carol, "carols", json!({}))["object"].clone();
    for note in [&pinned, &other, &carols] {
        remote.serve_object(note);
    }
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let bob_id = account_id(&app, &alice, "bob@remote.test").await;
    let pins_path = format!("/api/v1/accounts/{bob_id}/statuses?pinned=true");
    let change = |kind: &str, n: u32, object: &Value, target: &str| {
        json!({"id": format!("{}#{kind}/{n}", bob.uri), "type": kind, "actor": bob.uri,
               "object": object["id"], "target": target})
    };

    // An unknown status is fetched, then pinned.
    deliver(&app, &bob, &change("Add", 1, &pinned, &featured)).await;
    // Another collection, and someone else's status: ignored, refused.
    deliver(
        &app,
        &bob,
        &change(
            "Add",
            2,
            &other,
            &format!("{}/users/bob/collections/mods", remote.base()),
        ),
    )
    .await;
    deliver(&app, &bob, &change("Add", 3, &carols, &featured)).await;
    let pins = get_ok(&app, &pins_path, &alice.token).await;
    let uris: Vec<&Value> = pins.as_array().unwrap().iter().map(|s| &s["uri"]).collect();
    assert_eq!(uris, [&pinned["id"]], "{pins}");

    deliver(&app, &bob, &change("Remove", 1, &pinned, &featured)).await;
    let pins = get_ok(&app, &pins_path, &alice.token).await;
    assert_eq!(pins.as_array().unwrap().len(), 0, "{pins}");
}

/// A vote as Mastodon sends it: a Note named after the option, answering the poll.
fn vote(app: &TestApp, voter: &FakeActor, n: u32, poll_status: &str, name: &str) -> Value {
    let id = format!("{}#votes/{n}", voter.uri);
    json!({
        "id": format!("{id}/activity"), "type": "Create", "actor": voter.uri,
        "to": local_actor(app, "alice"),
        "object": {"id": id, "type": "Note", "attributedTo": voter.uri, "name": name,
                   "inReplyTo": poll_status, "to": local_actor(app, "alice")},
    })
}

async fn poll_of(app: &TestApp, member: &TestMember, poll_id: &str) -> Value {
    get_ok(app, &format!("/api/v1/polls/{poll_id}"), &member.token).await
}

async fn post_poll(app: &TestApp, alice: &TestMember, multiple: &str) -> (String, String) {
    let status = post(
        app,
        alice,
        &[
            ("status", "tea or coffee?"),
            ("poll[options][]", "tea"),
            ("poll[options][]", "coffee"),
            ("poll[expires_in]", "3600"),
            ("poll[multiple]", multiple),
        ],
    )
    .await;
    let uri = status_uri(app, "alice", status["id"].as_str().unwrap());
    (uri, status["poll"]["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn remote_votes_count_in_our_polls_once_per_choice_and_never_after_the_end() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;

    // Single choice: the first vote counts, a second is refused, a redelivery changes nothing.
    let (single, single_poll) = post_poll(&app, &alice, "false").await;
    let first = vote(&app, &bob, 1, &single, "coffee");
    deliver(&app, &bob, &first).await;
    deliver(&app, &bob, &vote(&app, &bob, 2, &single, "tea")).await;
    deliver(&app, &bob, &first).await;
    let poll = poll_of(&app, &alice, &single_poll).await;
    assert_eq!(poll["votes_count"], 1, "{poll}");
    assert_eq!(poll["voters_count"], 1);
    assert_eq!(poll["options"][0]["votes_count"], 0);
    assert_eq!(poll["options"][1]["votes_count"], 1);

    // Multiple choice: one Note per choice, each adding one; the same choice again counts once.
    let (multiple, multiple_poll) = post_poll(&app, &alice, "true").await;
    deliver(&app, &carol, &vote(&app, &carol, 1, &multiple, "tea")).await;
    deliver(&app, &carol, &vote(&app, &carol, 2, &multiple, "coffee")).await;
    deliver(&app, &carol, &vote(&app, &carol, 3, &multiple, "tea")).await;
    // Not an option at all.
    deliver(&app, &bob, &vote(&app, &bob, 3, &multiple, "juice")).await;
    let poll = poll_of(&app, &alice, &multiple_poll).await;
    assert_eq!(poll["votes_count"], 2, "{poll}");
    assert_eq!(poll["voters_count"], 1);

    // An ended poll takes no votes.
    let (ended, ended_poll) = post_poll(&app, &alice, "false").await;
    sqlx::query("update polls set expires_at = now() - interval '1 minute' where id = $1")
        .bind(ended_poll.parse::<i64>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    deliver(&app, &bob, &vote(&app, &bob, 4, &ended, "tea")).await;
    let poll = poll_of(&app, &alice, &ended_poll).await;
    assert_eq!(poll["votes_count"], 0, "{poll}");

    // Votes are never stored as replies.
    assert_eq!(count(&app, "select count(*) from statuses").await, 3);
    assert_eq!(
        count(
            &app,
            "select coalesce(sum(replies_count), 0)::bigint from statuses"
        )
        .await,
        0
    );
}

/// The Updates queued so far with the inboxes they go to; the queue is emptied.
async fn take_updates(app: &TestApp) -> Vec<(Value, Vec<String>)> {
    let rows = sqlx::query_as::<_, (Value, Vec<String>)>(
        "select a.body, array_agg(d.inbox_url order by d.inbox_url)
         from outgoing_activities a join deliveries d on d.activity_id = a.id
         where a.body->>'type' = 'Update' group by a.id order by a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    sqlx::query("delete from outgoing_activities")
        .execute(&app.pool)
        .await
        .unwrap();
    rows
}

async fn run_waiting(app: &TestApp, kind: &str) {
    sqlx::query("update jobs set run_at = now() where kind = $1")
        .bind(kind)
        .execute(&app.pool)
        .await
        .unwrap();
    app.run_jobs().await;
}

#[tokio::test]
async fn votes_in_a_members_poll_send_its_counts_to_the_voters_servers() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let (poll_status, poll_id) = post_poll(&app, &alice, "false").await;
    take_updates(&app).await;

    // Two votes within the wait make one sending, to the voters (neither follows alice).
    deliver(&app, &bob, &vote(&app, &bob, 1, &poll_status, "coffee")).await;
    deliver(&app, &carol, &vote(&app, &carol, 1, &poll_status, "tea")).await;
    let waiting = "select count(*) from jobs where kind = 'send_poll_counts'";
    assert_eq!(count(&app, waiting).await, 1);
    assert!(take_updates(&app).await.is_empty(), "counts wait");
    run_waiting(&app, "send_poll_counts").await;
    let updates = take_updates(&app).await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let (update, inboxes) = &updates[0];
    assert!(update["id"].as_str().unwrap().contains("#counts/"), "{update}");
    let question = &update["object"];
    assert_eq!(question["id"], poll_status.as_str());
    assert_eq!(question["type"], "Question");
    assert_eq!(question["oneOf"][0]["replies"]["totalItems"], 1, "{question}");
    assert_eq!(question["oneOf"][1]["replies"]["totalItems"], 1);
    assert_eq!(question["votersCount"], 2);
    assert!(question.get("closed").is_none());
    assert!(question.get("updated").is_none(), "counts are not an edit");
    assert!(!inboxes.is_empty());
    assert!(
        inboxes.iter().all(|inbox| inbox.starts_with(&remote.base())),
        "{inboxes:?}"
    );

    // The end sends the final counts, closed, at once.
    sqlx::query("update polls set expires_at = now() - interval '1 second' where id = $1")
        .bind(poll_id.parse::<i64>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    run_waiting(&app, "end_poll").await;
    let updates = take_updates(&app).await;
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert!(
        updates[0].0["object"].get("closed").is_some(),
        "{:?}",
        updates[0].0
    );

    // Counts hidden until the end are not sent on a vote.
    let hidden = post(
        &app,
        &alice,
        &[
            ("status", "secret ballot"),
            ("poll[options][]", "yes"),
            ("poll[options][]", "no"),
            ("poll[expires_in]", "3600"),
            ("poll[hide_totals]", "true"),
        ],
    )
    .await;
    let hidden_uri = status_uri(&app, "alice", hidden["id"].as_str().unwrap());
    deliver(&app, &bob, &vote(&app, &bob, 2, &hidden_uri, "yes")).await;
    assert_eq!(count(&app, waiting).await, 0);
}

#[tokio::test]
async fn an_update_of_a_remote_question_changes_its_counts() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let options = |tea: i64, coffee: i64| {
        json!([
            {"type": "Note", "name": "tea", "replies": {"type": "Collection", "totalItems": tea}},
            {"type": "Note", "name": "coffee", "replies": {"type": "Collection", "totalItems": coffee}},
        ])
    };
    let question = create_note(
        &bob,
        "q1",
        json!({ "type": "Question", "content": "<p>tea or coffee?</p>", "oneOf": options(1, 0),
                "endTime": "2030-01-01T00:00:00Z", "votersCount": 1 }),
    );
    deliver(&app, &bob, &question).await;
    let (status_id,): (i64,) = sqlx::query_as("select id from statuses where uri = $1")
        .bind(question["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let status = status_of(&app, &alice, &status_id.to_string()).await;
    assert_eq!(status["poll"]["options"][0]["votes_count"], 1, "{status}");

    let mut counted = question["object"].clone();
    counted["oneOf"] = options(3, 4);
    counted["votersCount"] = json!(7);
    let update = json!({"id": format!("{}#updates/1", counted["id"].as_str().unwrap()), "type": "Update",
                        "actor": bob.uri, "object": counted});
    deliver(&app, &bob, &update).await;
    let poll_id = status["poll"]["id"].as_str().unwrap();
    let poll = poll_of(&app, &alice, poll_id).await;
    assert_eq!(poll["options"][0]["votes_count"], 3, "{poll}");
    assert_eq!(poll["options"][1]["votes_count"], 4);
    assert_eq!(poll["votes_count"], 7);
    assert_eq!(poll["voters_count"], 7);
}

/// A remote poll option with the count its server publishes.
fn option(name: &str, votes: i64) -> Value {
    json!({"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": votes}})
}

#[tokio::test]
async fn an_update_that_changes_a_remote_polls_options_is_an_edit_and_drops_its_votes() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let question = create_note(
        &bob,
        "q2",
        json!({ "type": "Question", "content": "<p>tea or coffee?</p>",
                "oneOf": [option("tea", 1), option("coffee", 0)],
                "endTime": "2030-01-01T00:00:00Z", "votersCount": 1 }),
    );
    deliver(&app, &bob, &question).await;
    let (status_id,): (i64,) = sqlx::query_as("select id from statuses where uri = $1")
        .bind(question["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let status_id = status_id.to_string();
    let poll_id = status_of(&app, &alice, &status_id).await["poll"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, voted) = json_of(
        app.post_form(
            &format!("/api/v1/polls/{poll_id}/votes"),
            Some(&alice.token),
            &[("choices[]", "0")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{voted}");
    assert_eq!(voted["own_votes"], json!([0]));

    // Bob adds an option, allows several choices and moves the end: the votes cast no longer
    // stand, and the status counts as edited (with a history entry, as for a text edit).
    let mut edited = question["object"].clone();
    edited.as_object_mut().unwrap().remove("oneOf");
    edited["anyOf"] = json!([option("tea", 0), option("coffee", 0), option("water", 0)]);
    edited["endTime"] = json!("2031-01-01T00:00:00Z");
    edited["votersCount"] = json!(0);
    let update = json!({"id": format!("{}#updates/1", edited["id"].as_str().unwrap()), "type": "Update",
                        "actor": bob.uri, "object": edited});
    deliver(&app, &bob, &update).await;
    let status = status_of(&app, &alice, &status_id).await;
    let poll = &status["poll"];
    let titles: Vec<&str> = poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["tea", "coffee", "water"], "{poll}");
    assert_eq!(poll["multiple"], true);
    assert_eq!(poll["expires_at"], "2031-01-01T00:00:00.000Z");
    assert_eq!(poll["voted"], false, "{poll}");
    assert_eq!(poll["own_votes"], json!([]));
    assert!(status["edited_at"].is_string(), "{status}");
    let history = get_ok(
        &app,
        &format!("/api/v1/statuses/{status_id}/history"),
        &alice.token,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    assert_eq!(history[0]["content"], "<p>tea or coffee?</p>");
    // Each version shows its poll as it was.
    assert_eq!(
        history[0]["poll"],
        json!({"options": [{"title": "tea"}, {"title": "coffee"}]})
    );
    assert_eq!(
        history[1]["poll"],
        json!({"options": [{"title": "tea"}, {"title": "coffee"}, {"title": "water"}]})
    );
    let told = get_ok(&app, "/api/v1/notifications?types[]=update", &alice.token).await;
    assert_eq!(
        told.as_array().unwrap().len(),
        1,
        "a voter hears of the edit: {told}"
    );
    assert_eq!(
        count(&app, "select count(*) from poll_votes").await,
        0,
        "the votes for the old options are gone"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from jobs where kind = 'end_poll' and run_at = '2031-01-01T00:00:00Z'"
        )
        .await,
        count(&app, "select count(*) from jobs where kind = 'end_poll'").await,
        "the poll's end is told at its new time only"
    );

    // New counts alone are not an edit.
    let mut counted = edited.clone();
    counted["anyOf"] = json!([option("tea", 2), option("coffee", 1), option("water", 0)]);
    counted["votersCount"] = json!(3);
    let update = json!({"id": format!("{}#updates/2", counted["id"].as_str().unwrap()), "type": "Update",
                        "actor": bob.uri, "object": counted});
    deliver(&app, &bob, &update).await;
    let after = status_of(&app, &alice, &status_id).await;
    assert_eq!(after["poll"]["options"][0]["votes_count"], 2, "{after}");
    assert_eq!(after["poll"]["voters_count"], 3);
    assert_eq!(after["edited_at"], status["edited_at"]);
    let history = get_ok(
        &app,
        &format!("/api/v1/statuses/{status_id}/history"),
        &alice.token,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");

    // Made a plain Note: the poll goes, votes and all, and that is an edit.
    let mut plain = counted.clone();
    let object = plain.as_object_mut().unwrap();
    for key in ["anyOf", "endTime", "votersCount"] {
        object.remove(key);
    }
    plain["type"] = json!("Note");
    let update = json!({"id": format!("{}#updates/3", plain["id"].as_str().unwrap()), "type": "Update",
                        "actor": bob.uri, "object": plain});
    deliver(&app, &bob, &update).await;
    let after = status_of(&app, &alice, &status_id).await;
    assert_eq!(after["poll"], Value::Null, "{after}");
    assert_eq!(count(&app, "select count(*) from polls").await, 0);
    let history = get_ok(
        &app,
        &format!("/api/v1/statuses/{status_id}/history"),
        &alice.token,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 3, "{history}");
}

fn fixture(path: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/activitypub")
        .join(path);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn unknown_activity_types_are_accepted_and_change_nothing() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let status = post(&app, &alice, &[("status", "react to me")]).await;
    let id = status["id"].as_str().unwrap();
    let uri = status_uri(&app, "alice", id);

    // Akkoma's emoji reaction and its Undo, sent by bob about alice's status.
    let mut react = fixture("akkoma/emojireact-unicode.json");
    react["id"] = json!(format!("{}/activities/react-1", remote.base()));
    react["actor"] = json!(bob.uri);
    react["object"] = json!(uri);
    deliver(&app, &bob, &react).await;
    let mut undo_react = fixture("akkoma/undo-emojireact.json");
    undo_react["id"] = json!(format!("{}/activities/undo-1", remote.base()));
    undo_react["actor"] = json!(bob.uri);
    undo_react["object"] = react["id"].clone();
    deliver(&app, &bob, &undo_react).await;
    let dislike = json!({"id": format!("{}/activities/dislike-1", remote.base()), "type": "Dislike",
                         "actor": bob.uri, "object": uri});
    deliver(&app, &bob, &dislike).await;
    let invented = json!({"id": format!("{}/activities/x-1", remote.base()), "type": "Frobnicate",
                          "actor": bob.uri, "object": {"weird": [1, 2, {"deep": null}]}});
    deliver(&app, &bob, &invented).await;

    let status = status_of(&app, &alice, id).await;
    assert_eq!(status["favourites_count"], 0);
    assert_eq!(status["reblogs_count"], 0);
    assert_eq!(count(&app, "select count(*) from favourites").await, 0);
    assert_eq!(count(&app, "select count(*) from notifications").await, 0);
    assert_eq!(count(&app, "select count(*) from statuses").await, 1);
}

#[tokio::test]
async fn an_account_its_own_server_suspends_is_hidden_until_that_server_lifts_it() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let bob_id = follow_remote(&app, &alice, &bob, "bob@remote.test").await;
    deliver(
        &app,
        &bob,
        &create_note(&bob, "1", json!({"content": "<p>before</p>"})),
    )
    .await;
    let home_ids = |home: Value| -> usize { home.as_array().map_or(0, Vec::len) };
    let home = get_ok(&app, "/api/v1/timelines/home", &alice.token).await;
    assert_eq!(home_ids(home.clone()), 1);
    let note = home[0]["id"].as_str().unwrap().to_owned();
    for action in ["favourite", "bookmark"] {
        let path = format!("/api/v1/statuses/{note}/{action}");
        assert_eq!(app.post_form(&path, Some(&alice.token), &[]).await.status(), 200);
    }
    let (code, reply) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "@bob@remote.test indeed"), ("in_reply_to_id", &note)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{reply}");
    let context = format!("/api/v1/statuses/{}/context", reply["id"].as_str().unwrap());
    assert_eq!(
        get_ok(&app, &context, &alice.token).await["ancestors"][0]["id"],
        note
    );
    let profile = format!("/api/v1/accounts/{bob_id}");

    // Its server withholds the profile and says it is suspended (as Mastodon does).
    let mut withheld = bob.document.clone();
    withheld["suspended"] = json!(true);
    withheld["name"] = json!("");
    let suspend = json!({"id": format!("{}#updates/1", bob.uri), "type": "Update", "actor": bob.uri, "object": withheld});
    deliver(&app, &bob, &suspend).await;
    assert_eq!(app.get_with(&profile, &alice.token).await.status(), 404);
    let home = get_ok(&app, "/api/v1/timelines/home", &alice.token).await;
    assert_eq!(home_ids(home.clone()), 1, "alice's reply only");
    assert_eq!(home[0]["id"], reply["id"]);
    // Kept, but shown nowhere: not in threads, favourites, bookmarks or a lookup by id.
    assert_eq!(get_ok(&app, &context, &alice.token).await["ancestors"], json!([]));
    for list in ["/api/v1/favourites", "/api/v1/bookmarks"] {
        assert_eq!(get_ok(&app, list, &alice.token).await, json!([]), "{list}");
    }
    let several = format!("/api/v1/statuses?id[]={note}");
    assert_eq!(get_ok(&app, &several, &alice.token).await, json!([]));
    let one = format!("/api/v1/statuses/{note}");
    assert_eq!(app.get_with(&one, &alice.token).await.status(), 404);
    // Nothing else it sends is taken meanwhile.
    deliver(
        &app,
        &bob,
        &create_note(&bob, "2", json!({"content": "<p>while suspended</p>"})),
    )
    .await;
    assert_eq!(count(&app, "select count(*) from statuses where text like '%while suspended%' or content like '%while suspended%'").await, 0);

    // Looked up meanwhile, a stale copy is refreshed: still suspended, then lifted there.
    let lookup = "/api/v1/accounts/lookup?acct=bob@remote.test";
    let stale = "update accounts set fetched_at = now() - interval '30 days' where domain is not null";
    remote.serve_object(&withheld);
    sqlx::query(stale).execute(&app.pool).await.unwrap();
    assert_eq!(app.get_with(lookup, &alice.token).await.status(), 404);
    remote.serve_object(&bob.document);
    sqlx::query(stale).execute(&app.pool).await.unwrap();
    assert_eq!(
        app.get_with(lookup, &alice.token).await.status(),
        200,
        "lifted by its server"
    );
    let mut suspend_again = suspend.clone();
    suspend_again["id"] = json!(format!("{}#updates/4", bob.uri));
    deliver(&app, &bob, &suspend_again).await;
    assert_eq!(app.get_with(&profile, &alice.token).await.status(), 404);

    // The full actor again, sent by its server: lifted, and the posts show again.
    let lift = json!({"id": format!("{}#updates/2", bob.uri), "type": "Update", "actor": bob.uri, "object": bob.document});
    deliver(&app, &bob, &lift).await;
    assert_eq!(app.get_with(&profile, &alice.token).await.status(), 200);
    assert_eq!(
        home_ids(get_ok(&app, "/api/v1/timelines/home", &alice.token).await),
        2
    );
    assert_eq!(
        get_ok(&app, &context, &alice.token).await["ancestors"][0]["id"],
        note
    );

    // A suspension by our own staff is theirs to lift: the remote server cannot.
    sqlx::query("update accounts set suspended_at = now(), suspension_origin = 'local' where id = $1")
        .bind(bob_id.parse::<i64>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let again = json!({"id": format!("{}#updates/3", bob.uri), "type": "Update", "actor": bob.uri, "object": bob.document});
    deliver(&app, &bob, &again).await;
    assert_eq!(app.get_with(&profile, &alice.token).await.status(), 404);

    // One met for the first time already suspended by its server is not found, by handle or
    // URL, and its outbox is not read.
    let carol = remote.add_actor_with("carol", 0, |document| {
        document["suspended"] = json!(true);
    });
    let lookup = "/api/v1/accounts/lookup?acct=carol@remote.test";
    assert_eq!(app.get_with(lookup, &alice.token).await.status(), 404);
    let search = format!("/api/v2/search?resolve=true&q={}", carol.uri);
    assert_eq!(get_ok(&app, &search, &alice.token).await["accounts"], json!([]));
    let stored = "select count(*) from accounts where username = 'carol' and suspended_at is not null";
    assert_eq!(count(&app, stored).await, 1, "kept, suspended");
    let backfills = "select count(*) from jobs where kind = 'backfill_outbox' and payload::text like '%' || (select id from accounts where username = 'carol')::text || '%'";
    assert_eq!(count(&app, backfills).await, 0);
}
