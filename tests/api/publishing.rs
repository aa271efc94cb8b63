//! What we publish: WebFinger, actors, notes, collections, content negotiation and the public
//! HTML pages, as remote servers and browsers fetch them.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};
use ferrodon::federation::vocab;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

const AS2: &str = "application/activity+json";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// GET with an `Accept` header.
async fn get_accepting(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base_url))
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

/// GET as a remote server does: status and JSON body, checking the AS2 media type on success.
async fn get_as2(app: &TestApp, path: &str) -> (u16, Value) {
    let response = get_accepting(app, path, AS2).await;
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(
            response.headers()["content-type"],
            "application/activity+json; charset=utf-8",
            "{path}"
        );
    }
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// GET as a browser does: status, Location and body.
async fn get_html(app: &TestApp, path: &str) -> (u16, Option<String>, String) {
    let response = get_accepting(app, path, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8").await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

/// The instance's public base URL (what documents name), not the loopback address tests use.
fn base(app: &TestApp) -> String {
    app.config.base_url()
}

/// A URL the app published, as a path tests can request.
fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&base(app))
        .unwrap_or_else(|| panic!("{url} is not ours"))
        .to_owned()
}

async fn webfinger(app: &TestApp, resource: &str) -> reqwest::Response {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("resource", resource)
        .finish();
    app.get(&format!("/.well-known/webfinger?{query}")).await
}

/// A remote account stored as if federation had met it.
async fn remote_account(app: &TestApp, username: &str) -> String {
    let uri = format!("https://remote.test/users/{username}");
    sqlx::query(
        "insert into accounts (username, domain, uri, public_key_pem) values ($1, 'remote.test', $2, '')",
    )
    .bind(username)
    .bind(&uri)
    .execute(&app.pool)
    .await
    .unwrap();
    uri
}

async fn follow(app: &TestApp, follower: &TestMember, target: &TestMember) {
    let (code, body) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/follow", target.account_id),
            Some(&follower.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
}

fn id_of(status: &Value) -> &str {
    status["id"].as_str().unwrap()
}

#[tokio::test]
async fn webfinger_finds_members_by_handle_and_url_with_cors() {
    let app = TestApp::spawn().await;
    app.member("alice", "read").await;
    let domain = app.config.server.domain.clone();
    let base = base(&app);
    for resource in [
        format!("acct:alice@{domain}"),
        format!("acct:ALICE@{}", domain.to_uppercase()),
        format!("alice@{domain}"),
        format!("{base}/users/alice"),
        format!("{base}/@alice"),
    ] {
        let response = webfinger(&app, &resource).await;
        assert_eq!(response.status(), 200, "{resource}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(
            response.headers()["content-type"],
            "application/jrd+json; charset=utf-8"
        );
        let jrd: Value = response.json().await.unwrap();
        assert_eq!(jrd["subject"], format!("acct:alice@{domain}"), "{resource}");
        assert_eq!(
            jrd["aliases"],
            json!([format!("{base}/@alice"), format!("{base}/users/alice")])
        );
        let links = jrd["links"].as_array().unwrap();
        let link = |rel: &str| links.iter().find(|l| l["rel"] == rel).cloned().unwrap();
        assert_eq!(
            link("self"),
            json!({"rel": "self", "type": "application/activity+json", "href": format!("{base}/users/alice")})
        );
        assert_eq!(
            link("http://webfinger.net/rel/profile-page")["href"],
            format!("{base}/@alice")
        );
        assert_eq!(
            link("http://ostatus.org/schema/1.0/subscribe")["template"],
            format!("{base}/authorize_interaction?uri={{uri}}")
        );
    }

    let response = webfinger(&app, &format!("acct:{domain}@{domain}")).await;
    assert_eq!(response.status(), 200);
    let jrd: Value = response.json().await.unwrap();
    assert_eq!(jrd["subject"], format!("acct:{domain}@{domain}"));
    assert_eq!(jrd["links"][1]["href"], format!("{base}/actor"));
}

#[tokio::test]
async fn webfinger_refuses_the_unknown_the_foreign_the_pending_and_the_malformed() {
    let app = TestApp::spawn().await;
    app.member("alice", "read").await;
    ferrodon::actions::accounts::create_local(
        &app.pool,
        ferrodon::actions::accounts::NewAccount {
            username: "waiting",
            email: "waiting@example.com",
            password: "correct horse battery",
            role: ferrodon::actions::accounts::Role::User,
            approved: false,
            creator: ferrodon::actions::accounts::Creator::Operator,
            locale: "en",
            reason: Some("hello"),
        },
    )
    .await
    .unwrap();
    let domain = app.config.server.domain.clone();
    for resource in [
        format!("acct:nobody@{domain}"),
        "acct:alice@other.test".to_owned(),
        "https://other.test/users/alice".to_owned(),
        format!("acct:waiting@{domain}"),
    ] {
        let response = webfinger(&app, &resource).await;
        assert_eq!(response.status(), 404, "{resource}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
    }
    for path in ["/.well-known/webfinger", "/.well-known/webfinger?resource="] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let (code, body) = json_of(response).await;
        assert_eq!(code, 400, "{path}");
        assert!(body["error"].is_string());
    }
    // The pending member has no actor or page either.
    assert_eq!(get_as2(&app, "/users/waiting").await.0, 404);
    assert_eq!(get_html(&app, "/@waiting").await.0, 404);
}

#[tokio::test]
async fn the_actor_describes_the_member_and_publishes_their_own_key() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let (code, body) = json_of(
        app.send_form(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[
                ("display_name", "Alice <3"),
                ("note", "Hello & welcome"),
                ("locked", "true"),
                ("discoverable", "true"),
                ("fields_attributes[0][name]", "Site"),
                ("fields_attributes[0][value]", "https://alice.example"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let base = base(&app);
    let response = get_accepting(&app, "/users/alice", AS2).await;
    assert_eq!(response.headers()["vary"], "Accept");
    let actor: Value = response.json().await.unwrap();
    assert_eq!(actor["@context"][0], "https://www.w3.org/ns/activitystreams");
    assert_eq!(actor["@context"][1], "https://w3id.org/security/v1");
    assert_eq!(actor["id"], format!("{base}/users/alice"));
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(actor["name"], "Alice <3");
    assert_eq!(actor["summary"], "<p>Hello &amp; welcome</p>");
    assert_eq!(actor["url"], format!("{base}/@alice"));
    assert_eq!(actor["inbox"], format!("{base}/users/alice/inbox"));
    assert_eq!(actor["outbox"], format!("{base}/users/alice/outbox"));
    assert_eq!(actor["followers"], format!("{base}/users/alice/followers"));
    assert_eq!(actor["following"], format!("{base}/users/alice/following"));
    assert_eq!(
        actor["featured"],
        format!("{base}/users/alice/collections/featured")
    );
    assert_eq!(
        actor["featuredTags"],
        format!("{base}/users/alice/collections/tags")
    );
    assert_eq!(actor["endpoints"]["sharedInbox"], format!("{base}/inbox"));
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert_eq!(actor["discoverable"], true);
    assert_eq!(actor["memorial"], false);
    assert!(actor["published"].as_str().unwrap().ends_with("T00:00:00Z"));
    assert_eq!(actor["icon"]["type"], "Image");
    assert_eq!(actor["icon"]["mediaType"], "image/png");
    assert_eq!(actor["attachment"][0]["type"], "PropertyValue");
    assert_eq!(actor["attachment"][0]["name"], "Site");
    assert!(
        actor["attachment"][0]["value"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://alice.example\"")
    );
    assert_eq!(actor["publicKey"]["id"], format!("{base}/users/alice#main-key"));
    assert_eq!(actor["publicKey"]["owner"], actor["id"]);

    // The published key is the account's: the same PEM, and it verifies the account's signature.
    let published = actor["publicKey"]["publicKeyPem"].as_str().unwrap();
    let (stored, private): (String, String) =
        sqlx::query_as("select public_key_pem, private_key_pem from accounts where id = $1")
            .bind(alice.account_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(published, stored);
    assert_signed_by(published, &private);

    // A bot is a Service.
    app.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        &[("bot", "true")],
    )
    .await;
    assert_eq!(get_as2(&app, "/users/alice").await.1["type"], "Service");
}

/// Asserts that the public key in `public_pem` verifies what the private key signs.
fn assert_signed_by(public_pem: &str, private_pem: &str) {
    let spki = pem::parse(public_pem).expect("the published key is PEM");
    assert_eq!(spki.tag(), "PUBLIC KEY");
    let pair = ferrodon::federation::keys::private_key_from_pem(private_pem).unwrap();
    let message = b"(request-target): get /users/alice";
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message,
        &mut signature,
    )
    .unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki.contents())
        .verify(message, &signature)
        .expect("the published key verifies the account's signature");
}

#[tokio::test]
async fn the_instance_actor_is_an_application_with_the_instance_key() {
    let app = TestApp::spawn().await;
    let base = base(&app);
    let domain = app.config.server.domain.clone();
    let (code, actor) = get_as2(&app, "/actor").await;
    assert_eq!(code, 200);
    assert_eq!(actor["id"], format!("{base}/actor"));
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["preferredUsername"], domain);
    assert_eq!(actor["inbox"], format!("{base}/actor/inbox"));
    assert_eq!(actor["outbox"], format!("{base}/actor/outbox"));
    assert_eq!(actor["url"], format!("{base}/about/more"));
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert_eq!(actor["publicKey"]["id"], format!("{base}/actor#main-key"));
    let keys = ferrodon::federation::instance_actor::key_pair(&app.pool)
        .await
        .unwrap();
    assert_eq!(actor["publicKey"]["publicKeyPem"], keys.public_pem);
    assert_signed_by(&keys.public_pem, &keys.private_pem);
    let read = vocab::Actor::read(&actor).unwrap();
    assert!(read.is_bot());
    let (code, outbox) = get_as2(&app, "/actor/outbox").await;
    assert_eq!((code, outbox["totalItems"].clone()), (200, json!(0)));
    // Its url leads to the About page.
    let (code, location, _) = get_html(&app, "/about/more").await;
    assert_eq!((code, location.as_deref()), (308, Some("/about")));
}

#[tokio::test]
async fn notes_are_addressed_as_mastodon_addresses_them() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    app.member("carol", "read").await;
    let bob = remote_account(&app, "bob").await;
    let base = base(&app);
    let followers = format!("{base}/users/alice/followers");
    let carol = format!("{base}/users/carol");
    for (visibility, to, cc) in [
        // Mentioned actors in the order their accounts were made: carol before bob.
        ("public", json!([PUBLIC]), json!([followers, carol, bob])),
        ("unlisted", json!([followers]), json!([PUBLIC, carol, bob])),
    ] {
        let status = post(
            &app,
            &alice,
            &[
                ("status", "hi @bob@remote.test and @carol #Rust"),
                ("visibility", visibility),
                ("language", "en"),
                ("spoiler_text", "greetings"),
            ],
        )
        .await;
        let id = id_of(&status);
        let (code, note) = get_as2(&app, &format!("/users/alice/statuses/{id}")).await;
        assert_eq!(code, 200, "{visibility}");
        assert_eq!(note["type"], "Note");
        assert_eq!(note["id"], format!("{base}/users/alice/statuses/{id}"));
        assert_eq!(note["url"], format!("{base}/@alice/{id}"));
        assert_eq!(note["attributedTo"], format!("{base}/users/alice"));
        assert_eq!(note["to"], to, "{visibility}");
        assert_eq!(note["cc"], cc, "{visibility}");
        assert_eq!(note["summary"], "greetings");
        assert_eq!(note["sensitive"], true);
        assert_eq!(note["content"], status["content"]);
        assert_eq!(note["contentMap"]["en"], status["content"]);
        assert_eq!(note["inReplyTo"], Value::Null);
        let tags = note["tag"].as_array().unwrap();
        assert!(tags.contains(&json!({"type": "Mention", "href": bob, "name": "@bob@remote.test"})));
        assert!(tags.contains(&json!({
            "type": "Mention", "href": carol, "name": format!("@carol@{}", app.config.server.domain)
        })));
        assert!(
            tags.contains(&json!({"type": "Hashtag", "href": format!("{base}/tags/rust"), "name": "#rust"}))
        );
        let conversation = note["conversation"].as_str().unwrap();
        assert!(
            conversation.starts_with(&format!("tag:{},", app.config.server.domain))
                && conversation.ends_with(":objectType=Conversation"),
            "{conversation}"
        );
    }

    // Private and direct statuses are never served unsigned, in either form.
    for visibility in ["private", "direct"] {
        let status = post(
            &app,
            &alice,
            &[("status", "secret @carol"), ("visibility", visibility)],
        )
        .await;
        let id = id_of(&status);
        for path in [
            format!("/users/alice/statuses/{id}"),
            format!("/@alice/{id}"),
            format!("/users/alice/statuses/{id}/activity"),
            format!("/users/alice/statuses/{id}/replies"),
        ] {
            let (code, body) = get_as2(&app, &path).await;
            assert_eq!(code, 404, "{visibility} {path}: {body}");
        }
        let (code, _, page) = get_html(&app, &format!("/@alice/{id}")).await;
        assert_eq!(code, 404, "{visibility}");
        assert!(!page.contains("secret"));
    }
}

#[tokio::test]
async fn replies_name_their_parent_and_the_parent_lists_them() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let base = base(&app);
    let parent = post(&app, &alice, &[("status", "thread")]).await;
    let parent_id = id_of(&parent);
    let own = post(&app, &alice, &[("status", "more"), ("in_reply_to_id", parent_id)]).await;
    let other = post(
        &app,
        &bob,
        &[("status", "@alice nice"), ("in_reply_to_id", parent_id)],
    )
    .await;
    post(
        &app,
        &bob,
        &[
            ("status", "@alice psst"),
            ("in_reply_to_id", parent_id),
            ("visibility", "private"),
        ],
    )
    .await;
    let (_, reply) = get_as2(&app, &format!("/users/alice/statuses/{}", id_of(&own))).await;
    assert_eq!(
        reply["inReplyTo"],
        format!("{base}/users/alice/statuses/{parent_id}")
    );

    let (_, note) = get_as2(&app, &format!("/users/alice/statuses/{parent_id}")).await;
    let replies = &note["replies"];
    assert_eq!(
        replies["id"],
        format!("{base}/users/alice/statuses/{parent_id}/replies")
    );
    assert_eq!(
        replies["first"]["items"],
        json!([format!("{base}/users/alice/statuses/{}", id_of(&own))])
    );
    let next = replies["first"]["next"].as_str().unwrap();
    let (code, others) = get_as2(&app, &path_of(&app, next)).await;
    assert_eq!(code, 200);
    assert_eq!(others["type"], "CollectionPage");
    assert_eq!(
        others["items"],
        json!([format!("{base}/users/bob/statuses/{}", id_of(&other))]),
        "public replies of others, never the private one"
    );
}

#[tokio::test]
async fn a_poll_is_published_as_a_question() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let status = post(
        &app,
        &alice,
        &[
            ("status", "tea or coffee?"),
            ("poll[options][]", "tea"),
            ("poll[options][]", "coffee"),
            ("poll[expires_in]", "3600"),
            ("poll[multiple]", "true"),
        ],
    )
    .await;
    let (code, question) = get_as2(&app, &format!("/users/alice/statuses/{}", id_of(&status))).await;
    assert_eq!(code, 200);
    assert_eq!(question["type"], "Question");
    assert_eq!(
        question["anyOf"],
        json!([
            {"type": "Note", "name": "tea", "replies": {"type": "Collection", "totalItems": 0}},
            {"type": "Note", "name": "coffee", "replies": {"type": "Collection", "totalItems": 0}},
        ])
    );
    assert_eq!(question["votersCount"], 0);
    assert!(question["endTime"].is_string());
    assert!(question.get("closed").is_none());
    let read = vocab::Note::read(&question).unwrap();
    let poll = read.poll.unwrap();
    assert!(poll.multiple);
    assert_eq!(
        poll.options,
        vec![("tea".to_owned(), 0), ("coffee".to_owned(), 0)]
    );
}

#[tokio::test]
async fn the_outbox_pages_public_creates_and_boosts_and_nothing_private() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let base = base(&app);
    let public = post(&app, &alice, &[("status", "public")]).await;
    let unlisted = post(
        &app,
        &alice,
        &[("status", "unlisted"), ("visibility", "unlisted")],
    )
    .await;
    let private = post(&app, &alice, &[("status", "private"), ("visibility", "private")]).await;
    let direct = post(
        &app,
        &alice,
        &[("status", "@bob direct"), ("visibility", "direct")],
    )
    .await;
    let bobs = post(&app, &bob, &[("status", "boost me")]).await;
    let (code, boost) = json_of(
        app.post_form(
            &format!("/api/v1/statuses/{}/reblog", id_of(&bobs)),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{boost}");
    // A boost of her own private status stays private, and out of the outbox.
    json_of(
        app.post_form(
            &format!("/api/v1/statuses/{}/reblog", id_of(&private)),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;

    let (code, outbox) = get_as2(&app, "/users/alice/outbox").await;
    assert_eq!(code, 200);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["id"], format!("{base}/users/alice/outbox"));
    assert!(outbox["totalItems"].as_i64().unwrap() >= 3);
    assert_eq!(outbox["first"], format!("{base}/users/alice/outbox?page=true"));
    let (code, page) = get_as2(&app, "/users/alice/outbox?page=true").await;
    assert_eq!(code, 200);
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_eq!(page["partOf"], format!("{base}/users/alice/outbox"));
    let items = page["orderedItems"].as_array().unwrap();
    let summary: Vec<(String, String)> = items
        .iter()
        .map(|item| {
            let object = item["object"]["id"].as_str().or(item["object"].as_str()).unwrap();
            (item["type"].as_str().unwrap().to_owned(), object.to_owned())
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "Announce".to_owned(),
                format!("{base}/users/bob/statuses/{}", id_of(&bobs))
            ),
            (
                "Create".to_owned(),
                format!("{base}/users/alice/statuses/{}", id_of(&unlisted))
            ),
            (
                "Create".to_owned(),
                format!("{base}/users/alice/statuses/{}", id_of(&public))
            ),
        ]
    );
    let announce = &items[0];
    assert_eq!(
        announce["id"],
        format!("{base}/users/alice/statuses/{}/activity", id_of(&boost))
    );
    assert_eq!(announce["actor"], format!("{base}/users/alice"));
    assert_eq!(announce["to"], json!([PUBLIC]));
    assert_eq!(
        announce["cc"],
        json!([
            format!("{base}/users/bob"),
            format!("{base}/users/alice/followers")
        ])
    );
    let create = &items[2];
    assert_eq!(
        create["id"],
        format!("{base}/users/alice/statuses/{}/activity", id_of(&public))
    );
    assert_eq!(create["actor"], format!("{base}/users/alice"));
    assert_eq!(create["to"], create["object"]["to"]);
    let text = page.to_string();
    for hidden in [&private, &direct] {
        assert!(!text.contains(&format!("statuses/{}", id_of(hidden))), "{text}");
    }
    // The activities are served at their ids too; a boost is not an object of its own.
    let (_, activity) = get_as2(&app, &path_of(&app, create["id"].as_str().unwrap())).await;
    assert_eq!(activity["type"], "Create");
    let (_, activity) = get_as2(&app, &path_of(&app, announce["id"].as_str().unwrap())).await;
    assert_eq!(activity["type"], "Announce");
    let (code, _) = get_as2(&app, &format!("/users/alice/statuses/{}", id_of(&boost))).await;
    assert_eq!(code, 404);
    // A browser asking for the boost's page is sent to the original's.
    let (code, location, _) = get_html(&app, &format!("/@alice/{}", id_of(&boost))).await;
    assert_eq!(
        (code, location),
        (303, Some(format!("{base}/@bob/{}", id_of(&bobs))))
    );
}

#[tokio::test]
async fn outbox_pages_link_to_older_and_newer_pages() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let mut ids = Vec::new();
    for i in 0..23 {
        ids.push(id_of(&post(&app, &alice, &[("status", &format!("post {i}"))]).await).to_owned());
    }
    let ids_in = |page: &Value| -> Vec<String> {
        page["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                item["object"]["id"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let (_, first) = get_as2(&app, "/users/alice/outbox?page=true").await;
    let newest: Vec<String> = ids.iter().rev().take(20).cloned().collect();
    assert_eq!(ids_in(&first), newest);
    let (_, second) = get_as2(&app, &path_of(&app, first["next"].as_str().unwrap())).await;
    let oldest: Vec<String> = ids[..3].iter().rev().cloned().collect();
    assert_eq!(ids_in(&second), oldest);
    assert!(second.get("next").is_none());
    let (_, back) = get_as2(&app, &path_of(&app, second["prev"].as_str().unwrap())).await;
    assert_eq!(ids_in(&back), newest);
    let (_, outbox) = get_as2(&app, "/users/alice/outbox").await;
    let (_, last) = get_as2(&app, &path_of(&app, outbox["last"].as_str().unwrap())).await;
    assert_eq!(ids_in(&last), ids[..20].iter().rev().cloned().collect::<Vec<_>>());
    let (code, _) = get_as2(&app, "/users/alice/outbox?page=true&max_id=nope").await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn follow_collections_list_actors_unless_the_member_hides_them() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    follow(&app, &bob, &alice).await;
    follow(&app, &carol, &alice).await;
    follow(&app, &alice, &bob).await;
    let base = base(&app);

    let (_, followers) = get_as2(&app, "/users/alice/followers").await;
    assert_eq!(followers["type"], "OrderedCollection");
    assert_eq!(followers["totalItems"], 2);
    let (_, page) = get_as2(&app, &path_of(&app, followers["first"].as_str().unwrap())).await;
    assert_eq!(
        page["orderedItems"],
        json!([format!("{base}/users/carol"), format!("{base}/users/bob")])
    );
    let (_, following) = get_as2(&app, "/users/alice/following").await;
    assert_eq!(following["totalItems"], 1);
    let (_, page) = get_as2(&app, &path_of(&app, following["first"].as_str().unwrap())).await;
    assert_eq!(page["orderedItems"], json!([format!("{base}/users/bob")]));

    app.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        &[("hide_collections", "true")],
    )
    .await;
    for path in ["/users/alice/followers", "/users/alice/following"] {
        let (code, hidden) = get_as2(&app, path).await;
        assert_eq!(code, 200);
        assert!(hidden["totalItems"].as_i64().unwrap() > 0, "{hidden}");
        assert!(hidden.get("first").is_none(), "{hidden}");
        let (code, _) = get_as2(&app, &format!("{path}?page=true")).await;
        assert_eq!(code, 403, "{path}");
    }
}

#[tokio::test]
async fn featured_collections_hold_pinned_public_statuses_and_featured_tags() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let base = base(&app);
    let pinned = post(&app, &alice, &[("status", "pin me #rust")]).await;
    post(&app, &alice, &[("status", "not pinned")]).await;
    let (code, body) = json_of(
        app.post_form(
            &format!("/api/v1/statuses/{}/pin", id_of(&pinned)),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = json_of(
        app.post_form("/api/v1/featured_tags", Some(&alice.token), &[("name", "Rust")])
            .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");

    let (code, featured) = get_as2(&app, "/users/alice/collections/featured").await;
    assert_eq!(code, 200);
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["totalItems"], 1);
    assert_eq!(featured["orderedItems"][0]["type"], "Note");
    assert_eq!(
        featured["orderedItems"][0]["id"],
        format!("{base}/users/alice/statuses/{}", id_of(&pinned))
    );
    let (code, tags) = get_as2(&app, "/users/alice/collections/tags").await;
    assert_eq!(code, 200);
    assert_eq!(tags["totalItems"], 1);
    assert_eq!(
        tags["items"],
        json!([{"type": "Hashtag", "href": format!("{base}/tags/rust"), "name": "#rust"}])
    );
}

#[tokio::test]
async fn each_url_answers_json_or_html_as_asked() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let base = base(&app);
    let status = post(&app, &alice, &[("status", "hello")]).await;
    let id = id_of(&status);

    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        "application/ld+json",
    ] {
        for (path, id) in [
            ("/@alice".to_owned(), format!("{base}/users/alice")),
            ("/users/alice".to_owned(), format!("{base}/users/alice")),
            (
                format!("/@alice/{id}"),
                format!("{base}/users/alice/statuses/{id}"),
            ),
            (
                format!("/users/alice/statuses/{id}"),
                format!("{base}/users/alice/statuses/{id}"),
            ),
        ] {
            let response = get_accepting(&app, &path, accept).await;
            assert_eq!(response.status(), 200, "{accept} {path}");
            assert_eq!(response.headers()["vary"], "Accept");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["id"], id, "{accept} {path}");
        }
    }

    let (code, location, _) = get_html(&app, "/users/alice").await;
    assert_eq!((code, location), (303, Some(format!("{base}/@alice"))));
    let (code, location, _) = get_html(&app, &format!("/users/alice/statuses/{id}")).await;
    assert_eq!((code, location), (303, Some(format!("{base}/@alice/{id}"))));
    let response = get_accepting(&app, "/@alice", "text/html").await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(response.headers()["vary"], "Accept");
    let (code, _, page) = get_html(&app, &format!("/@alice/{id}")).await;
    assert_eq!(code, 200);
    assert!(page.contains("<p>hello</p>"), "{page}");
    // Names are matched case-insensitively; ids name the canonical account.
    assert_eq!(
        get_as2(&app, "/users/ALICE").await.1["id"],
        format!("{base}/users/alice")
    );

    // Unknown names and statuses, and statuses under another name, are not found either way.
    app.member("bob", "read").await;
    for path in [
        "/@nobody".to_owned(),
        "/users/nobody".to_owned(),
        "/@alice/1".to_owned(),
        "/@alice/nonsense".to_owned(),
        format!("/@bob/{id}"),
        format!("/users/bob/statuses/{id}"),
        "/users/nobody/outbox".to_owned(),
        "/users/nobody/followers".to_owned(),
    ] {
        let (code, body) = get_as2(&app, &path).await;
        assert_eq!(code, 404, "{path}");
        assert_eq!(body["error"], "Record not found", "{path}");
    }
    for path in [
        "/@nobody".to_owned(),
        "/@alice/1".to_owned(),
        format!("/@bob/{id}"),
    ] {
        let (code, _, page) = get_html(&app, &path).await;
        assert_eq!(code, 404, "{path}");
        assert!(page.contains("<h1>Not found</h1>"), "{path}");
    }
}

#[tokio::test]
async fn pages_carry_open_graph_tags_and_the_activitypub_alternate() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_owned();
    let app = TestApp::spawn_with(move |config| config.server.data_dir = data_dir).await;
    let alice = app.member("alice", "read write").await;
    let base = base(&app);
    app.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        &[
            ("display_name", "Alice <script>"),
            ("note", "I write <b>Rust</b>"),
            ("fields_attributes[0][name]", "Site"),
            ("fields_attributes[0][value]", "https://alice.example"),
        ],
    )
    .await;
    let plain = post(&app, &alice, &[("status", "hello world")]).await;
    let (_, _, profile) = get_html(&app, "/@alice").await;
    for expected in [
        "<meta property=\"og:type\" content=\"profile\">".to_owned(),
        "<meta property=\"og:title\" content=\"Alice &#60;script&#62;".to_owned(),
        "<meta property=\"og:description\" content=\"I write &#60;b&#62;Rust&#60;/b&#62;\">".to_owned(),
        format!("<meta property=\"og:url\" content=\"{base}/@alice\">"),
        format!("<link rel=\"canonical\" href=\"{base}/@alice\">"),
        format!("<link rel=\"alternate\" type=\"application/activity+json\" href=\"{base}/users/alice\">"),
        "<p>I write &lt;b&gt;Rust&lt;/b&gt;</p>".to_owned(),
        "<a href=\"https://alice.example\"".to_owned(),
        "<p>hello world</p>".to_owned(),
        format!("href=\"{base}/@alice/{}\"", id_of(&plain)),
    ] {
        assert!(profile.contains(&expected), "{expected}\n{profile}");
    }
    assert!(!profile.contains("<script>"), "{profile}");

    // A status with a content warning and a picture.
    let upload = app
        .client
        .post(format!("{}/api/v2/media", app.base_url))
        .bearer_auth(&alice.token)
        .multipart(
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(png())
                        .file_name("a.png")
                        .mime_str("image/png")
                        .unwrap(),
                )
                .text("description", "a red square")
                .text("focus", "0.5,-0.25"),
        )
        .send()
        .await
        .unwrap();
    let (code, media) = json_of(upload).await;
    assert_eq!(code, 200, "{media}");
    let status = post(
        &app,
        &alice,
        &[
            ("status", "behind the warning"),
            ("spoiler_text", "spoilers"),
            ("media_ids[]", media["id"].as_str().unwrap()),
        ],
    )
    .await;
    let id = id_of(&status);
    let (code, _, page) = get_html(&app, &format!("/@alice/{id}")).await;
    assert_eq!(code, 200);
    let image = media["url"].as_str().unwrap();
    for expected in [
        "<meta property=\"og:type\" content=\"article\">".to_owned(),
        "<meta property=\"og:description\" content=\"Content warning: spoilers\">".to_owned(),
        format!("<meta property=\"og:url\" content=\"{base}/@alice/{id}\">"),
        format!("<meta property=\"og:image\" content=\"{image}\">"),
        format!("<link rel=\"canonical\" href=\"{base}/@alice/{id}\">"),
        format!(
            "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{base}/users/alice/statuses/{id}\">"
        ),
        "<summary>spoilers</summary>".to_owned(),
        "<p>behind the warning</p>".to_owned(),
        "alt=\"a red square\"".to_owned(),
    ] {
        assert!(page.contains(&expected), "{expected}\n{page}");
    }
    let (_, note) = get_as2(&app, &format!("/users/alice/statuses/{id}")).await;
    assert_eq!(
        note["attachment"],
        json!([{
            "type": "Document",
            "mediaType": "image/png",
            "url": image,
            "name": "a red square",
            "blurhash": media["blurhash"],
            "focalPoint": [0.5, -0.25],
            "width": 8,
            "height": 6,
        }])
    );
}

fn png() -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(8, 6, image::Rgb([200, 0, 0]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[tokio::test]
async fn our_actor_and_note_read_back_through_the_vocabulary() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = remote_account(&app, "bob").await;
    let base = base(&app);
    app.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        &[
            ("display_name", "Alice"),
            ("note", "bio"),
            ("locked", "true"),
            ("indexable", "true"),
            ("fields_attributes[0][name]", "Pronouns"),
            ("fields_attributes[0][value]", "she/her"),
        ],
    )
    .await;
    let (_, json) = get_as2(&app, "/users/alice").await;
    let actor = vocab::Actor::read(&json).unwrap();
    assert_eq!(actor.id, format!("{base}/users/alice"));
    assert_eq!(actor.kind, "Person");
    assert_eq!(actor.preferred_username, "alice");
    assert_eq!(actor.name.as_deref(), Some("Alice"));
    assert_eq!(actor.summary.as_deref(), Some("<p>bio</p>"));
    assert_eq!(actor.url.as_deref(), Some(format!("{base}/@alice").as_str()));
    assert_eq!(actor.inbox, format!("{base}/users/alice/inbox"));
    assert_eq!(actor.shared_inbox, Some(format!("{base}/inbox")));
    assert_eq!(actor.outbox, Some(format!("{base}/users/alice/outbox")));
    assert_eq!(actor.followers, Some(format!("{base}/users/alice/followers")));
    assert_eq!(actor.following, Some(format!("{base}/users/alice/following")));
    assert_eq!(
        actor.featured,
        Some(format!("{base}/users/alice/collections/featured"))
    );
    assert_eq!(
        actor.featured_tags,
        Some(format!("{base}/users/alice/collections/tags"))
    );
    assert_eq!(actor.public_key_id, Some(format!("{base}/users/alice#main-key")));
    assert_eq!(
        actor.public_key_pem.as_deref(),
        json["publicKey"]["publicKeyPem"].as_str()
    );
    assert_eq!(actor.icon, Some(format!("{base}/static/avatar.png")));
    assert_eq!(actor.image, Some(format!("{base}/static/header.png")));
    assert!(actor.locked);
    assert!(actor.indexable);
    assert!(!actor.is_bot());
    assert!(actor.published.is_some());
    assert_eq!(actor.fields, vec![("Pronouns".to_owned(), "she/her".to_owned())]);

    let parent = post(&app, &alice, &[("status", "first")]).await;
    let status = post(
        &app,
        &alice,
        &[
            ("status", "hi @bob@remote.test #Rust"),
            ("in_reply_to_id", id_of(&parent)),
            ("spoiler_text", "cw"),
            ("language", "de"),
            ("visibility", "unlisted"),
        ],
    )
    .await;
    let id = id_of(&status);
    let (code, edited) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &[
                ("status", "hi @bob@remote.test #Rust, edited"),
                ("spoiler_text", "cw"),
                ("language", "de"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{edited}");
    let (_, json) = get_as2(&app, &format!("/users/alice/statuses/{id}")).await;
    let note = vocab::Note::read(&json).unwrap();
    assert_eq!(note.id, format!("{base}/users/alice/statuses/{id}"));
    assert_eq!(note.kind, "Note");
    assert_eq!(note.attributed_to, format!("{base}/users/alice"));
    assert_eq!(note.content, edited["content"].as_str().unwrap());
    assert_eq!(note.summary.as_deref(), Some("cw"));
    assert!(note.sensitive);
    assert_eq!(
        note.in_reply_to,
        Some(format!("{base}/users/alice/statuses/{}", id_of(&parent)))
    );
    assert_eq!(note.url, Some(format!("{base}/@alice/{id}")));
    assert!(note.published.is_some());
    assert!(note.updated.is_some());
    assert_eq!(note.to, vec![format!("{base}/users/alice/followers")]);
    assert_eq!(note.cc, vec![PUBLIC.to_owned(), bob.clone()]);
    assert!(note.tags.contains(&vocab::Tag::Mention { href: bob }));
    assert!(note.tags.contains(&vocab::Tag::Hashtag { name: "rust".into() }));
    assert_eq!(note.language.as_deref(), Some("de"));
    assert_eq!(
        note.replies,
        Some(format!("{base}/users/alice/statuses/{id}/replies"))
    );
    assert!(note.attachments.is_empty());
    assert!(note.poll.is_none());
}

#[tokio::test]
async fn custom_emoji_in_profiles_and_statuses_are_tagged() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    sqlx::query(
        "insert into custom_emojis (shortcode, image_url, static_url) values
         ('blob', 'https://ferro.test/emoji/blob.png', 'https://ferro.test/emoji/blob.png'),
         ('unused', 'https://ferro.test/emoji/unused.png', 'https://ferro.test/emoji/unused.png')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        &[("display_name", "Alice :blob:")],
    )
    .await;
    let (_, actor) = get_as2(&app, "/users/alice").await;
    let tags = actor["tag"].as_array().unwrap();
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0]["type"], "Emoji");
    assert_eq!(tags[0]["name"], ":blob:");
    assert_eq!(
        tags[0]["icon"],
        json!({"type": "Image", "mediaType": "image/png", "url": "https://ferro.test/emoji/blob.png"})
    );
    let status = post(&app, &alice, &[("status", "hello :blob: :nope:")]).await;
    let (_, note) = get_as2(&app, &format!("/users/alice/statuses/{}", id_of(&status))).await;
    let emojis: Vec<&Value> = note["tag"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == "Emoji")
        .collect();
    assert_eq!(emojis.len(), 1);
    assert_eq!(emojis[0]["name"], ":blob:");
    assert_eq!(vocab::Note::read(&note).unwrap().emojis[0].shortcode, "blob");
}
