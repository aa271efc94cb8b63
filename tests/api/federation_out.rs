//! Federation out: the activities our members' actions queue for remote servers, read back from
//! the queue (body and inboxes) and through our own parser.

use ferrodon::federation::vocab::{Activity, Note};
use serde_json::{Value, json};

use crate::fake_remote::{FakeActor, FakeRemote, create_note};
use crate::federation_in::{app_with, count, local_actor};
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// One queued activity: its body and the inboxes it goes to, sorted.
#[derive(Debug)]
pub struct Queued {
    pub body: Value,
    pub inboxes: Vec<String>,
}

/// Everything queued so far, oldest first; the queue is emptied so each step reads its own.
pub async fn take_queued(app: &TestApp) -> Vec<Queued> {
    let rows = sqlx::query_as::<_, (Value, Vec<String>)>(
        "select a.body, coalesce(array_agg(d.inbox_url order by d.inbox_url)
                                 filter (where d.inbox_url is not null), '{}')
         from outgoing_activities a left join deliveries d on d.activity_id = a.id
         group by a.id order by a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    sqlx::query("delete from outgoing_activities")
        .execute(&app.pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(body, inboxes)| Queued { body, inboxes })
        .collect()
}

/// The one activity queued since the last look.
pub async fn take_one(app: &TestApp) -> Queued {
    let mut queued = take_queued(app).await;
    assert_eq!(queued.len(), 1, "{queued:#?}");
    queued.remove(0)
}

/// Our output reads back through our own parser with the same id, type and actor.
fn round_trips(body: &Value) {
    let activity = Activity::read(body).unwrap();
    assert_eq!(activity.id, body["id"].as_str());
    assert_eq!(Some(activity.kind), body["type"].as_str());
    assert_eq!(Some(activity.actor), body["actor"].as_str());
    assert_eq!(body["@context"][0], "https://www.w3.org/ns/activitystreams");
    if body["object"].get("attributedTo").is_some() {
        let note = Note::read(&body["object"]).unwrap();
        assert_eq!(Some(note.id.as_str()), body["object"]["id"].as_str());
        assert_eq!(Some(note.kind.as_str()), body["object"]["type"].as_str());
        assert_eq!(
            note.content,
            body["object"]["content"].as_str().unwrap_or_default()
        );
    }
}

async fn deliver(app: &TestApp, actor: &FakeActor, activity: &Value) {
    assert_eq!(actor.post(app, "/inbox", activity).await.status(), 202);
    app.run_jobs().await;
}

/// `actor` follows the local `member` by a signed Follow through the inbox.
pub async fn remote_follows(app: &TestApp, actor: &FakeActor, member: &str, n: u32) -> String {
    let id = format!("{}#follows/{n}", actor.uri);
    let follow = json!({"id": id, "type": "Follow", "actor": actor.uri, "object": local_actor(app, member)});
    deliver(app, actor, &follow).await;
    id
}

async fn account_id(app: &TestApp, member: &TestMember, handle: &str) -> String {
    let (status, body) = json_of(
        app.get_with(&format!("/api/v1/accounts/lookup?acct={handle}"), &member.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn ok(response: reqwest::Response) -> Value {
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn strs(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_remote_follow_is_accepted_and_posts_reach_followers_once_per_shared_inbox() {
    let remote = FakeRemote::start("remote.test").await;
    let other = FakeRemote::start("other.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let dave = other.add_actor("dave");
    let app = app_with(&[&remote, &other]).await;
    let alice = app.member("alice", "read write").await;
    let alice_uri = local_actor(&app, "alice");
    let followers = format!("{alice_uri}/followers");

    let follow_id = remote_follows(&app, &bob, "alice", 1).await;
    remote_follows(&app, &carol, "alice", 2).await;
    let accepts = take_queued(&app).await;
    assert_eq!(accepts.len(), 2, "{accepts:#?}");
    let accept = &accepts[0].body;
    assert_eq!(accept["type"], "Accept");
    assert_eq!(accept["actor"], alice_uri);
    assert_eq!(accept["object"]["id"], follow_id);
    assert_eq!(accept["object"]["actor"], bob.uri);
    assert_eq!(accept["object"]["object"], alice_uri);
    assert_eq!(accepts[0].inboxes, vec![format!("{}/inbox", remote.base())]);
    round_trips(accept);

    // Public: to everyone, cc the followers and the mentioned; one copy per server.
    let status = post(&app, &alice, &[("status", "hello @dave@other.test #rust")]).await;
    let create = take_one(&app).await;
    let body = &create.body;
    assert_eq!(body["type"], "Create");
    assert_eq!(strs(&body["to"]), vec![PUBLIC]);
    assert_eq!(strs(&body["cc"]), vec![followers.as_str(), dave.uri.as_str()]);
    assert_eq!(body["object"]["type"], "Note");
    assert_eq!(
        body["object"]["id"],
        format!("{alice_uri}/statuses/{}", status["id"].as_str().unwrap())
    );
    let tags = body["object"]["tag"].as_array().unwrap();
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Mention" && t["href"] == dave.uri),
        "{tags:?}"
    );
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Hashtag" && t["name"] == "#rust"),
        "{tags:?}"
    );
    assert_eq!(
        create.inboxes,
        vec![
            format!("{}/inbox", other.base()),
            format!("{}/inbox", remote.base())
        ]
    );
    round_trips(body);

    // Unlisted: to the followers, cc everyone.
    post(&app, &alice, &[("status", "quietly"), ("visibility", "unlisted")]).await;
    let unlisted = take_one(&app).await;
    assert_eq!(strs(&unlisted.body["to"]), vec![followers.as_str()]);
    assert_eq!(strs(&unlisted.body["cc"]), vec![PUBLIC]);
    round_trips(&unlisted.body);

    // Private: to the followers alone.
    post(
        &app,
        &alice,
        &[("status", "friends only"), ("visibility", "private")],
    )
    .await;
    let private = take_one(&app).await;
    assert_eq!(strs(&private.body["to"]), vec![followers.as_str()]);
    assert!(strs(&private.body["cc"]).is_empty());
    assert_eq!(private.inboxes, vec![format!("{}/inbox", remote.base())]);

    // Direct: the mentioned alone, and only their server gets it.
    let direct = post(
        &app,
        &alice,
        &[("status", "@dave@other.test psst"), ("visibility", "direct")],
    )
    .await;
    let queued = take_one(&app).await;
    assert_eq!(strs(&queued.body["to"]), vec![dave.uri.as_str()]);
    assert_eq!(queued.inboxes, vec![format!("{}/inbox", other.base())]);
    round_trips(&queued.body);

    // Edit and delete go where the status went.
    let id = status["id"].as_str().unwrap();
    ok(app
        .send_form(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &[("status", "edited @dave@other.test")],
        )
        .await)
    .await;
    let update = take_one(&app).await;
    assert_eq!(update.body["type"], "Update");
    assert_eq!(update.body["object"]["id"], body["object"]["id"]);
    assert!(update.body["object"]["updated"].is_string());
    assert!(
        update.body["object"]["content"]
            .as_str()
            .unwrap()
            .contains("edited")
    );
    assert_eq!(update.inboxes.len(), 2);
    round_trips(&update.body);

    ok(app
        .send_form(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let delete = take_one(&app).await;
    assert_eq!(delete.body["type"], "Delete");
    assert_eq!(delete.body["object"]["type"], "Tombstone");
    assert_eq!(delete.body["object"]["id"], body["object"]["id"]);
    assert_eq!(delete.inboxes.len(), 2);
    round_trips(&delete.body);

    let direct_id = direct["id"].as_str().unwrap();
    ok(app
        .send_form(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{direct_id}"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    assert_eq!(
        take_one(&app).await.inboxes,
        vec![format!("{}/inbox", other.base())]
    );
}

#[tokio::test]
async fn a_reply_to_a_remote_status_goes_to_its_author_even_without_followers() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let note = create_note(&bob, "7", json!({}));
    deliver(&app, &bob, &note).await;
    let parent: i64 = sqlx::query_scalar("select id from statuses where uri = $1")
        .bind(note["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    take_queued(&app).await;

    post(
        &app,
        &alice,
        &[("status", "an answer"), ("in_reply_to_id", &parent.to_string())],
    )
    .await;
    let reply = take_one(&app).await;
    assert_eq!(reply.body["object"]["inReplyTo"], note["object"]["id"]);
    assert_eq!(reply.inboxes, vec![format!("{}/inbox", remote.base())]);
    round_trips(&reply.body);
}

#[tokio::test]
async fn favourites_and_boosts_of_a_remote_status_and_their_undos_reach_its_author() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let alice_uri = local_actor(&app, "alice");
    let note = create_note(&bob, "8", json!({}));
    let note_uri = note["object"]["id"].as_str().unwrap().to_owned();
    deliver(&app, &bob, &note).await;
    let id: i64 = sqlx::query_scalar("select id from statuses where uri = $1")
        .bind(&note_uri)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let bob_inbox = vec![format!("{}/inbox", remote.base())];

    ok(app
        .post_form(
            &format!("/api/v1/statuses/{id}/favourite"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let like = take_one(&app).await;
    assert_eq!(like.body["type"], "Like");
    assert_eq!(like.body["actor"], alice_uri);
    assert_eq!(like.body["object"], note_uri);
    assert!(
        like.body["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{alice_uri}#likes/"))
    );
    assert_eq!(like.inboxes, bob_inbox);
    round_trips(&like.body);

    ok(app
        .post_form(
            &format!("/api/v1/statuses/{id}/unfavourite"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let undo = take_one(&app).await;
    assert_eq!(undo.body["type"], "Undo");
    assert_eq!(undo.body["object"], without_context(&like.body));
    assert_eq!(undo.inboxes, bob_inbox);
    round_trips(&undo.body);

    let boost = ok(app
        .post_form(&format!("/api/v1/statuses/{id}/reblog"), Some(&alice.token), &[])
        .await)
    .await;
    let announce = take_one(&app).await;
    assert_eq!(announce.body["type"], "Announce");
    assert_eq!(announce.body["object"], note_uri);
    assert_eq!(
        announce.body["id"],
        format!("{alice_uri}/statuses/{}/activity", boost["id"].as_str().unwrap())
    );
    assert_eq!(strs(&announce.body["to"]), vec![PUBLIC]);
    assert!(strs(&announce.body["cc"]).contains(&bob.uri.as_str()));
    assert_eq!(announce.inboxes, bob_inbox);
    round_trips(&announce.body);

    ok(app
        .post_form(
            &format!("/api/v1/statuses/{id}/unreblog"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let undo = take_one(&app).await;
    assert_eq!(undo.body["type"], "Undo");
    assert_eq!(undo.body["object"]["id"], announce.body["id"]);
    assert_eq!(undo.inboxes, bob_inbox);
    round_trips(&undo.body);
}

/// An activity as another embeds it: the same, without `@context`.
fn without_context(activity: &Value) -> Value {
    let mut embedded = activity.clone();
    if let Some(fields) = embedded.as_object_mut() {
        fields.remove("@context");
    }
    embedded
}

#[tokio::test]
async fn follows_and_blocks_of_remote_accounts_and_their_undos_name_the_same_ids() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let alice_uri = local_actor(&app, "alice");
    let bob_id = account_id(&app, &alice, "bob@remote.test").await;
    let bob_inbox = vec![format!("{}/inbox", remote.base())];

    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let follow = take_one(&app).await;
    assert_eq!(follow.body["type"], "Follow");
    assert_eq!(follow.body["actor"], alice_uri);
    assert_eq!(follow.body["object"], bob.uri);
    let follow_id = follow.body["id"].as_str().unwrap().to_owned();
    assert!(
        follow_id.starts_with(&format!("{alice_uri}#follows/")),
        "{follow_id}"
    );
    assert_eq!(follow.inboxes, bob_inbox);
    round_trips(&follow.body);
    let stored: Option<String> = sqlx::query_scalar("select uri from follow_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some(follow_id.as_str()));

    // Bob's server accepts, naming our Follow by its id only.
    let accept = json!({"id": format!("{}#accepts/1", bob.uri), "type": "Accept", "actor": bob.uri, "object": follow_id});
    deliver(&app, &bob, &accept).await;
    assert_eq!(count(&app, "select count(*) from follows").await, 1);
    assert!(take_queued(&app).await.is_empty(), "an Accept is not answered");

    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/unfollow"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let undo = take_one(&app).await;
    assert_eq!(undo.body["type"], "Undo");
    assert_eq!(undo.body["object"]["id"], follow_id);
    assert_eq!(undo.body["object"]["type"], "Follow");
    assert_eq!(undo.inboxes, bob_inbox);
    round_trips(&undo.body);

    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let block = take_one(&app).await;
    assert_eq!(block.body["type"], "Block");
    assert_eq!(block.body["object"], bob.uri);
    assert_eq!(block.inboxes, bob_inbox);
    round_trips(&block.body);

    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/unblock"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let undo = take_one(&app).await;
    assert_eq!(undo.body["type"], "Undo");
    assert_eq!(undo.body["object"]["id"], block.body["id"]);
    round_trips(&undo.body);
}

#[tokio::test]
async fn blocking_a_remote_account_ends_follows_both_ways_there() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let alice_uri = local_actor(&app, "alice");
    let bob_follow = remote_follows(&app, &bob, "alice", 1).await;
    let bob_id = account_id(&app, &alice, "bob@remote.test").await;
    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let queued = take_queued(&app).await;
    let alice_follow = queued
        .iter()
        .find(|q| q.body["type"] == "Follow")
        .map(|q| q.body["id"].clone())
        .unwrap();

    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let queued = take_queued(&app).await;
    let kinds: Vec<&str> = queued.iter().map(|q| q.body["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["Undo", "Reject", "Block"], "{queued:#?}");
    let (undo, reject) = (&queued[0].body, &queued[1].body);
    assert_eq!(undo["object"]["id"], alice_follow);
    assert_eq!(undo["object"]["type"], "Follow");
    assert_eq!(reject["actor"], alice_uri);
    assert_eq!(reject["object"]["id"], bob_follow);
    assert_eq!(reject["object"]["actor"], bob.uri);
    for q in &queued {
        assert!(!q.inboxes.is_empty());
        assert_eq!(q.inboxes, queued[2].inboxes);
        round_trips(&q.body);
    }
    assert_eq!(count(&app, "select count(*) from follows").await, 0);
    assert_eq!(count(&app, "select count(*) from follow_requests").await, 0);

    // Blocked again with no follows left between them: only the Block goes.
    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/unblock"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    take_queued(&app).await;
    ok(app
        .post_form(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    assert_eq!(take_one(&app).await.body["type"], "Block");
}

#[tokio::test]
async fn a_locked_member_answers_remote_requests_with_accept_or_reject() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    sqlx::query("update accounts set locked = true where username = 'alice'")
        .execute(&app.pool)
        .await
        .unwrap();
    let bob_follow = remote_follows(&app, &bob, "alice", 1).await;
    let carol_follow = remote_follows(&app, &carol, "alice", 2).await;
    assert!(take_queued(&app).await.is_empty(), "requests wait for the member");
    let bob_id = account_id(&app, &alice, "bob@remote.test").await;
    let carol_id = account_id(&app, &alice, "carol@remote.test").await;

    ok(app
        .post_form(
            &format!("/api/v1/follow_requests/{bob_id}/authorize"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let accept = take_one(&app).await;
    assert_eq!(accept.body["type"], "Accept");
    assert_eq!(accept.body["object"]["id"], bob_follow);
    assert_eq!(strs(&accept.body["to"]), vec![bob.uri.as_str()]);
    round_trips(&accept.body);
    let kept: Option<String> = sqlx::query_scalar("select uri from follows")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(bob_follow.as_str()));

    ok(app
        .post_form(
            &format!("/api/v1/follow_requests/{carol_id}/reject"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let reject = take_one(&app).await;
    assert_eq!(reject.body["type"], "Reject");
    assert_eq!(reject.body["object"]["id"], carol_follow);
    assert_eq!(reject.body["object"]["actor"], carol.uri);
    round_trips(&reject.body);
}

#[tokio::test]
async fn profile_updates_pins_and_votes_in_remote_polls_are_sent() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let alice_uri = local_actor(&app, "alice");
    remote_follows(&app, &bob, "alice", 1).await;
    take_queued(&app).await;

    ok(app
        .send_form(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[("display_name", "Alice A.")],
        )
        .await)
    .await;
    let update = take_one(&app).await;
    assert_eq!(update.body["type"], "Update");
    assert_eq!(update.body["object"]["id"], alice_uri);
    assert_eq!(update.body["object"]["name"], "Alice A.");
    assert_eq!(update.inboxes, vec![format!("{}/inbox", remote.base())]);
    round_trips(&update.body);

    let status = post(&app, &alice, &[("status", "pin me")]).await;
    take_queued(&app).await;
    let id = status["id"].as_str().unwrap();
    ok(app
        .post_form(&format!("/api/v1/statuses/{id}/pin"), Some(&alice.token), &[])
        .await)
    .await;
    let add = take_one(&app).await;
    assert_eq!(add.body["type"], "Add");
    assert_eq!(add.body["object"], format!("{alice_uri}/statuses/{id}"));
    assert_eq!(add.body["target"], format!("{alice_uri}/collections/featured"));
    round_trips(&add.body);
    ok(app
        .post_form(&format!("/api/v1/statuses/{id}/unpin"), Some(&alice.token), &[])
        .await)
    .await;
    assert_eq!(take_one(&app).await.body["type"], "Remove");

    // A vote in bob's poll: one Note per choice, to bob alone.
    let question = create_note(
        &bob,
        "q1",
        json!({"type": "Question", "content": "<p>tea or coffee?</p>", "endTime": "2099-01-01T00:00:00Z",
               "anyOf": [{"type": "Note", "name": "tea", "replies": {"type": "Collection", "totalItems": 0}},
                         {"type": "Note", "name": "coffee", "replies": {"type": "Collection", "totalItems": 0}}]}),
    );
    deliver(&app, &bob, &question).await;
    let poll_id: i64 = sqlx::query_scalar("select id from polls")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    take_queued(&app).await;
    ok(app
        .post_form(
            &format!("/api/v1/polls/{poll_id}/votes"),
            Some(&alice.token),
            &[("choices[]", "0"), ("choices[]", "1")],
        )
        .await)
    .await;
    let votes = take_queued(&app).await;
    assert_eq!(votes.len(), 2, "{votes:#?}");
    let names: Vec<&str> = votes
        .iter()
        .map(|v| v.body["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["tea", "coffee"]);
    for vote in &votes {
        assert_eq!(vote.body["type"], "Create");
        assert_eq!(vote.body["object"]["inReplyTo"], question["object"]["id"]);
        assert_eq!(strs(&vote.body["object"]["to"]), vec![bob.uri.as_str()]);
        assert_eq!(vote.inboxes, vec![format!("{}/inbox", remote.base())]);
        round_trips(&vote.body);
        let note = Note::read(&vote.body["object"]).unwrap();
        assert!(note.name.is_some());
    }
}

#[tokio::test]
async fn local_actions_with_no_remote_concerned_queue_nothing() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    // Bob is known but follows nobody here.
    account_id(&app, &alice, "bob@remote.test").await;
    let _ = bob;

    ok(app
        .post_form(
            &format!("/api/v1/accounts/{}/follow", carol.account_id),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let status = post(&app, &alice, &[("status", "hello @carol")]).await;
    let id = status["id"].as_str().unwrap();
    ok(app
        .post_form(
            &format!("/api/v1/statuses/{id}/favourite"),
            Some(&carol.token),
            &[],
        )
        .await)
    .await;
    ok(app
        .post_form(&format!("/api/v1/statuses/{id}/reblog"), Some(&carol.token), &[])
        .await)
    .await;
    ok(app
        .post_form(&format!("/api/v1/statuses/{id}/pin"), Some(&alice.token), &[])
        .await)
    .await;
    ok(app
        .send_form(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[("display_name", "A")],
        )
        .await)
    .await;
    ok(app
        .post_form(
            &format!("/api/v1/accounts/{}/block", carol.account_id),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    assert_eq!(count(&app, "select count(*) from outgoing_activities").await, 0);
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
}

#[tokio::test]
async fn edits_and_deletions_also_reach_remote_accounts_that_boosted_the_status() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let status = post(&app, &alice, &[("status", "boost me")]).await;
    assert!(
        take_queued(&app).await.is_empty(),
        "nobody remote follows alice yet"
    );
    let id = status["id"].as_str().unwrap();
    let announce = json!({
        "id": format!("{}/statuses/1/activity", bob.uri), "type": "Announce", "actor": bob.uri,
        "published": "2026-11-21T08:00:00Z", "to": [PUBLIC], "cc": [format!("{}/followers", bob.uri)],
        "object": format!("{}/statuses/{id}", local_actor(&app, "alice")),
    });
    deliver(&app, &bob, &announce).await;
    assert_eq!(
        count(
            &app,
            "select count(*) from statuses where reblog_of_id is not null"
        )
        .await,
        1
    );
    take_queued(&app).await;

    ok(app
        .send_form(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &[("status", "boosted, then edited")],
        )
        .await)
    .await;
    let update = take_one(&app).await;
    assert_eq!(update.body["type"], "Update");
    assert_eq!(update.inboxes, vec![format!("{}/inbox", remote.base())]);

    ok(app
        .send_form(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &[],
        )
        .await)
    .await;
    let delete = take_one(&app).await;
    assert_eq!(delete.body["type"], "Delete");
    assert_eq!(delete.inboxes, vec![format!("{}/inbox", remote.base())]);
}

#[tokio::test]
async fn suspending_a_member_tells_the_servers_that_know_them_and_lifting_it_does_too() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let alice_uri = local_actor(&app, "alice");
    remote_follows(&app, &bob, "alice", 1).await;
    take_queued(&app).await;
    let admin =
        crate::admin_reports::staff(&app, "boss", "admin", "admin:read:accounts admin:write:accounts").await;
    let actor_document = || async {
        let response = app
            .client
            .get(&alice_uri)
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap();
        json_of(response).await
    };

    let action = format!("/api/v1/admin/accounts/{}/action", alice.account_id);
    ok(app
        .post_form(&action, Some(&admin.token), &[("type", "suspend")])
        .await)
    .await;
    let update = take_one(&app).await;
    assert_eq!(update.body["type"], "Update");
    assert_eq!(update.body["object"]["id"], alice_uri);
    assert_eq!(update.body["object"]["suspended"], true);
    assert_eq!(update.body["object"]["name"], "");
    assert_eq!(update.body["object"]["discoverable"], false);
    assert_eq!(update.body["object"]["indexable"], false);
    assert!(update.body["object"].get("icon").is_none());
    assert_eq!(update.inboxes, vec![format!("{}/inbox", remote.base())]);
    round_trips(&update.body);
    // The actor stays fetchable (its key checks what it signed), saying it is suspended; the
    // public profile does not.
    let (status, actor) = actor_document().await;
    assert_eq!(status, 200);
    assert_eq!(actor["suspended"], true);
    assert!(actor["publicKey"]["publicKeyPem"].is_string());
    assert_eq!(app.get("/@alice").await.status(), 404);

    let lift = format!("/api/v1/admin/accounts/{}/unsuspend", alice.account_id);
    ok(app.post_form(&lift, Some(&admin.token), &[]).await).await;
    let update = take_one(&app).await;
    assert_eq!(update.body["type"], "Update");
    assert!(update.body["object"].get("suspended").is_none());
    assert_eq!(update.body["object"]["preferredUsername"], "alice");
    assert!(update.body["object"]["icon"].is_object());
    let (status, actor) = actor_document().await;
    assert_eq!(status, 200);
    assert!(actor.get("suspended").is_none());
}

#[tokio::test]
async fn a_remote_follow_without_an_id_is_accepted_with_the_follow_embedded_as_sent() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let alice_uri = local_actor(&app, "alice");

    let follow = json!({"type": "Follow", "actor": bob.uri, "object": alice_uri});
    deliver(&app, &bob, &follow).await;
    let accepts = take_queued(&app).await;
    assert_eq!(accepts.len(), 1, "{accepts:#?}");
    let accept = &accepts[0].body;
    assert_eq!(accept["type"], "Accept");
    assert!(accept["id"].as_str().is_some_and(|id| id.starts_with(&alice_uri)));
    assert_eq!(
        accept["object"],
        json!({"type": "Follow", "actor": bob.uri, "object": alice_uri})
    );
    round_trips(accept);
    let bob_id = account_id(&app, &alice, "bob@remote.test").await;
    let followers = ok(app
        .get_with(
            &format!("/api/v1/accounts/{}/followers", alice.account_id),
            &alice.token,
        )
        .await)
    .await;
    assert_eq!(followers[0]["id"], bob_id.as_str());

    // Its Undo, which can only embed it, ends the follow.
    let undo =
        json!({"id": format!("{}#undo/1", bob.uri), "type": "Undo", "actor": bob.uri, "object": follow});
    deliver(&app, &bob, &undo).await;
    let followers = ok(app
        .get_with(
            &format!("/api/v1/accounts/{}/followers", alice.account_id),
            &alice.token,
        )
        .await)
    .await;
    assert_eq!(followers, json!([]));

    // Following again with an id, then once more without one: the last answer names no id.
    remote_follows(&app, &bob, "alice", 9).await;
    deliver(&app, &bob, &follow).await;
    let accepts = take_queued(&app).await;
    assert_eq!(accepts.len(), 2, "{accepts:#?}");
    assert_eq!(accepts[1].body["object"], follow);
}
