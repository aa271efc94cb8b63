//! Search: accounts by handle and name, hashtags by prefix, statuses by full text, each as the
//! viewer may see them; paging, type filters and bad input.

use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};
use crate::statuses::post;

fn query_string(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// GET /api/v2/search with these parameters, with or without a token.
async fn search(app: &TestApp, token: Option<&str>, params: &[(&str, &str)]) -> (u16, Value) {
    let path = format!("/api/v2/search?{}", query_string(params));
    match token {
        Some(token) => json_of(app.get_with(&path, token).await).await,
        None => json_of(app.get(&path).await).await,
    }
}

/// GET /api/v1/accounts/search with these parameters.
async fn search_accounts(app: &TestApp, token: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let path = format!("/api/v1/accounts/search?{}", query_string(params));
    json_of(app.get_with(&path, token).await).await
}

/// A search that must succeed.
async fn found(app: &TestApp, token: Option<&str>, params: &[(&str, &str)]) -> Value {
    let (code, body) = search(app, token, params).await;
    assert_eq!(code, 200, "{params:?}: {body}");
    body
}

fn usernames(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["acct"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn act(app: &TestApp, who: &TestMember, path: &str) {
    let (code, body) = json_of(app.post_form(path, Some(&who.token), &[]).await).await;
    assert_eq!(code, 200, "{path}: {body}");
}

async fn follow(app: &TestApp, who: &TestMember, whom: &TestMember) {
    act(app, who, &format!("/api/v1/accounts/{}/follow", whom.account_id)).await;
}

async fn update_profile(app: &TestApp, member: &TestMember, form: &[(&str, &str)]) {
    let response = app
        .client
        .patch(format!("{}/api/v1/accounts/update_credentials", app.base_url))
        .bearer_auth(&member.token)
        .form(form)
        .send()
        .await
        .unwrap();
    let (code, body) = json_of(response).await;
    assert_eq!(code, 200, "{body}");
}

/// A remote account, as federation will store one.
async fn remote_account(app: &TestApp, username: &str, domain: &str, display_name: &str) -> i64 {
    sqlx::query_scalar(
        "insert into accounts (username, domain, uri, display_name, public_key_pem, indexable)
         values ($1, $2, $3, $4, 'key', true) returning id",
    )
    .bind(username)
    .bind(domain)
    .bind(format!("https://{domain}/users/{username}"))
    .bind(display_name)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn id_of(status: &Value) -> String {
    status["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn accounts_are_found_by_handle_prefix_and_display_name() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let viewer = app.member("viewer", "read").await;
    app.member("alina", "read").await;
    app.member("bob", "read").await;
    update_profile(&app, &alice, &[("display_name", "Wonder Liddell")]).await;
    remote_account(&app, "bob", "remote.test", "Remote Robert").await;
    remote_account(&app, "alfred", "other.test", "").await;
    let token = Some(viewer.token.as_str());

    let body = found(&app, token, &[("q", "al"), ("type", "accounts")]).await;
    let mut found_names = usernames(&body["accounts"]);
    found_names.sort();
    assert_eq!(found_names, ["alfred@other.test", "alice", "alina"]);

    for q in ["alice", "@alice", "ALICE", "lidd", "wonder lid"] {
        let body = found(&app, token, &[("q", q)]).await;
        assert_eq!(usernames(&body["accounts"]), ["alice"], "{q}");
    }
    let ours = format!("alice@{}", app.config.server.domain);
    let body = found(&app, token, &[("q", &ours)]).await;
    assert_eq!(
        usernames(&body["accounts"]),
        ["alice"],
        "our own domain means local"
    );

    let body = found(&app, token, &[("q", "bob")]).await;
    assert_eq!(
        usernames(&body["accounts"]),
        ["bob", "bob@remote.test"],
        "a handle without domain is ours first"
    );
    for q in ["bob@remote.test", "@bob@remote.test", "bob@rem", "robert"] {
        let body = found(&app, token, &[("q", q)]).await;
        assert_eq!(usernames(&body["accounts"]), ["bob@remote.test"], "{q}");
    }
    let body = found(&app, token, &[("q", "bob@elsewhere.test")]).await;
    assert_eq!(body["accounts"], json!([]));
    let body = found(&app, None, &[("q", "wonder")]).await;
    assert_eq!(
        usernames(&body["accounts"]),
        ["alice"],
        "anonymous searches find accounts"
    );
    assert_eq!(body["accounts"][0]["display_name"], "Wonder Liddell");
    // `%` and `_` are letters to a search, not wildcards.
    let body = found(&app, token, &[("q", "%")]).await;
    assert_eq!(body["accounts"], json!([]));
}

#[tokio::test]
async fn exact_handle_comes_first_then_followed_accounts_then_others() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read write follow").await;
    app.member("annabel", "read").await;
    let annika = app.member("annika", "read").await;
    app.member("ann", "read").await;
    follow(&app, &viewer, &annika).await;

    let body = found(&app, Some(&viewer.token), &[("q", "ann")]).await;
    assert_eq!(usernames(&body["accounts"]), ["ann", "annika", "annabel"]);
    let (code, list) = search_accounts(&app, &viewer.token, &[("q", "@ann")]).await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(usernames(&list), ["ann", "annika", "annabel"]);

    let body = found(&app, Some(&viewer.token), &[("q", "ann"), ("following", "true")]).await;
    assert_eq!(usernames(&body["accounts"]), ["annika"]);
    let (_, list) = search_accounts(&app, &viewer.token, &[("q", "ann"), ("following", "1")]).await;
    assert_eq!(usernames(&list), ["annika"]);
    // Anonymous searches follow nobody: `following` changes nothing.
    let body = found(&app, None, &[("q", "ann"), ("following", "true")]).await;
    assert_eq!(body["accounts"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn accounts_blocking_or_blocked_by_the_viewer_never_appear() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read write follow").await;
    let blocked = app.member("carl", "read write follow").await;
    let blocker = app.member("carla", "read write follow").await;
    app.member("carlos", "read").await;
    act(
        &app,
        &viewer,
        &format!("/api/v1/accounts/{}/block", blocked.account_id),
    )
    .await;
    act(
        &app,
        &blocker,
        &format!("/api/v1/accounts/{}/block", viewer.account_id),
    )
    .await;

    for q in ["carl", "@carl", "carla"] {
        let body = found(&app, Some(&viewer.token), &[("q", q)]).await;
        let accounts = usernames(&body["accounts"]);
        assert!(!accounts.contains(&"carl".to_owned()), "{q}: {accounts:?}");
        assert!(!accounts.contains(&"carla".to_owned()), "{q}: {accounts:?}");
        let (_, list) = search_accounts(&app, &viewer.token, &[("q", q)]).await;
        assert!(!usernames(&list).contains(&"carl".to_owned()), "{q}");
        assert!(!usernames(&list).contains(&"carla".to_owned()), "{q}");
    }
    let body = found(&app, Some(&viewer.token), &[("q", "carl")]).await;
    assert_eq!(usernames(&body["accounts"]), ["carlos"]);
    // Others still find both.
    let body = found(&app, None, &[("q", "carl")]).await;
    assert_eq!(usernames(&body["accounts"]), ["carl", "carla", "carlos"]);
}

#[tokio::test]
async fn hashtags_are_found_by_prefix_with_the_exact_one_first() {
    let app = TestApp::spawn().await;
    let author = app.member("author", "read write").await;
    post(
        &app,
        &author,
        &[("status", "#rustlang #Rusty #rust #ruby #trust")],
    )
    .await;
    let tag_id: i64 = sqlx::query_scalar("select id from tags where lower(name) = 'rusty'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query("insert into tag_follows (account_id, tag_id) values ($1, $2)")
        .bind(author.account_id)
        .bind(tag_id)
        .execute(&app.pool)
        .await
        .unwrap();

    for q in ["rust", "#rust", "#RUST"] {
        let body = found(&app, Some(&author.token), &[("q", q)]).await;
        let tags = names(&body["hashtags"]);
        assert_eq!(
            tags.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>(),
            ["rust", "rusty", "rustlang"],
            "{q}"
        );
    }
    let body = found(&app, Some(&author.token), &[("q", "rusty")]).await;
    let tag = &body["hashtags"][0];
    assert_eq!(tag["name"].as_str().unwrap().to_lowercase(), "rusty");
    assert_eq!(tag["url"], format!("{}/tags/rusty", app.config.base_url()));
    assert_eq!(tag["history"].as_array().unwrap().len(), 7, "a week of use");
    assert_eq!(tag["following"], true);
    let body = found(&app, None, &[("q", "#rusty")]).await;
    assert_eq!(body["hashtags"][0]["following"], Value::Null, "anonymous");
    // A handle is not a hashtag query.
    let body = found(&app, None, &[("q", "rust@remote.test")]).await;
    assert_eq!(body["hashtags"], json!([]));
    let body = found(&app, None, &[("q", "#")]).await;
    assert_eq!(body["hashtags"], json!([]));
}

#[tokio::test]
async fn statuses_are_found_by_full_text_newest_first() {
    let app = TestApp::spawn().await;
    let author = app.member("author", "read write").await;
    let reader = app.member("reader", "read write").await;
    update_profile(&app, &author, &[("indexable", "true")]).await;
    let older = id_of(&post(&app, &author, &[("status", "Crabs love Rust code")]).await);
    let newer = id_of(&post(&app, &author, &[("status", "Rust is fast, crabs agree")]).await);
    let warned = id_of(
        &post(
            &app,
            &author,
            &[("status", "details inside"), ("spoiler_text", "Crustacean news")],
        )
        .await,
    );
    post(&app, &author, &[("status", "nothing to see")]).await;
    let remote = remote_account(&app, "ferris", "remote.test", "Ferris").await;
    let remote_status: i64 = sqlx::query_scalar(
        "insert into statuses (account_id, local, uri, content, visibility, conversation_id)
         values ($1, false, 'https://remote.test/s/1',
                 '<p>Hello <a href=\"https://remote.test/tags/shellfish\">#<span>shellfish</span></a> &amp; friends</p>',
                 'public', next_id()) returning id",
    )
    .bind(remote)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let token = Some(reader.token.as_str());

    let body = found(&app, token, &[("q", "rust crabs")]).await;
    assert_eq!(ids(&body["statuses"]), [newer.as_str(), older.as_str()]);
    assert_eq!(body["statuses"][0]["account"]["username"], "author");
    let body = found(&app, token, &[("q", "\"crabs agree\"")]).await;
    assert_eq!(ids(&body["statuses"]), [newer.as_str()]);
    let body = found(&app, token, &[("q", "“crabs love”")]).await;
    assert_eq!(
        ids(&body["statuses"]),
        [older.as_str()],
        "typographic quotes are phrases too"
    );
    let body = found(&app, token, &[("q", "rust -agree")]).await;
    assert_eq!(ids(&body["statuses"]), [older.as_str()]);
    let body = found(&app, token, &[("q", "crustacean")]).await;
    assert_eq!(ids(&body["statuses"]), [warned], "content warnings are searched");

    let body = found(&app, token, &[("q", "shellfish friends")]).await;
    assert_eq!(ids(&body["statuses"]), [remote_status.to_string()]);
    for q in ["href", "span", "amp", "https"] {
        let body = found(&app, token, &[("q", q)]).await;
        assert_eq!(body["statuses"], json!([]), "{q}: markup is not text");
    }

    // Anonymous searches get no statuses (as Mastodon without a user token).
    let body = found(&app, None, &[("q", "rust")]).await;
    assert_eq!(body["statuses"], json!([]));
}

#[tokio::test]
async fn private_statuses_never_appear_for_non_followers() {
    let app = TestApp::spawn().await;
    let author = app.member("author", "read write").await;
    let follower = app.member("follower", "read write follow").await;
    let stranger = app.member("stranger", "read write").await;
    let mentioned = app.member("mentioned", "read write").await;
    update_profile(&app, &author, &[("indexable", "true")]).await;
    follow(&app, &follower, &author).await;
    let private = id_of(
        &post(
            &app,
            &author,
            &[("status", "secret plans @mentioned"), ("visibility", "private")],
        )
        .await,
    );
    let direct = id_of(
        &post(
            &app,
            &author,
            &[("status", "secret note @mentioned"), ("visibility", "direct")],
        )
        .await,
    );
    let public = id_of(&post(&app, &author, &[("status", "secret recipe")]).await);
    let q = [("q", "secret"), ("type", "statuses")];

    let body = found(&app, Some(&stranger.token), &q).await;
    assert_eq!(ids(&body["statuses"]), [public.as_str()]);
    let body = found(&app, Some(&mentioned.token), &q).await;
    assert_eq!(
        ids(&body["statuses"]),
        [public.as_str(), direct.as_str(), private.as_str()]
    );
    let body = found(&app, Some(&author.token), &q).await;
    assert_eq!(
        ids(&body["statuses"]),
        [public.as_str(), direct.as_str(), private.as_str()]
    );
    // A follower may read the private one; search finds it once they have shown interest.
    let body = found(&app, Some(&follower.token), &q).await;
    assert_eq!(ids(&body["statuses"]), [public.as_str()]);
    act(&app, &follower, &format!("/api/v1/statuses/{private}/favourite")).await;
    let body = found(&app, Some(&follower.token), &q).await;
    assert_eq!(ids(&body["statuses"]), [public.as_str(), private.as_str()]);
    // ... and loses it with the follow.
    act(
        &app,
        &follower,
        &format!("/api/v1/accounts/{}/unfollow", author.account_id),
    )
    .await;
    let body = found(&app, Some(&follower.token), &q).await;
    assert_eq!(ids(&body["statuses"]), [public]);
}

#[tokio::test]
async fn public_statuses_of_accounts_not_opted_in_are_found_only_by_those_involved() {
    let app = TestApp::spawn().await;
    let author = app.member("author", "read write").await;
    let reader = app.member("reader", "read write").await;
    let status = id_of(&post(&app, &author, &[("status", "quiet thoughts")]).await);
    let q = [("q", "quiet"), ("type", "statuses")];

    let body = found(&app, Some(&reader.token), &q).await;
    assert_eq!(body["statuses"], json!([]), "indexable is off by default");
    let body = found(&app, Some(&author.token), &q).await;
    assert_eq!(
        ids(&body["statuses"]),
        [status.as_str()],
        "authors find their own"
    );
    act(&app, &reader, &format!("/api/v1/statuses/{status}/bookmark")).await;
    let body = found(&app, Some(&reader.token), &q).await;
    assert_eq!(ids(&body["statuses"]), [status.as_str()]);

    let other = app.member("other", "read write").await;
    update_profile(&app, &author, &[("indexable", "true")]).await;
    let body = found(&app, Some(&other.token), &q).await;
    assert_eq!(ids(&body["statuses"]), [status]);
}

#[tokio::test]
async fn boosts_and_blocked_or_muted_authors_are_left_out_of_status_results() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read write follow").await;
    let booster = app.member("booster", "read write").await;
    let blocked = app.member("blocked", "read write").await;
    let muted = app.member("muted", "read write").await;
    let author = app.member("author", "read write").await;
    for member in [&viewer, &blocked, &muted, &author] {
        update_profile(&app, member, &[("indexable", "true")]).await;
    }
    let original = id_of(&post(&app, &author, &[("status", "walrus facts")]).await);
    let own = id_of(&post(&app, &viewer, &[("status", "walrus views")]).await);
    act(&app, &booster, &format!("/api/v1/statuses/{original}/reblog")).await;
    post(&app, &blocked, &[("status", "walrus lies")]).await;
    post(&app, &muted, &[("status", "walrus noise")]).await;
    act(
        &app,
        &viewer,
        &format!("/api/v1/accounts/{}/block", blocked.account_id),
    )
    .await;
    act(
        &app,
        &viewer,
        &format!("/api/v1/accounts/{}/mute", muted.account_id),
    )
    .await;

    let body = found(&app, Some(&viewer.token), &[("q", "walrus")]).await;
    assert_eq!(
        ids(&body["statuses"]),
        [own.as_str(), original.as_str()],
        "no boosts, blocks or mutes"
    );
    // A block hides both ways; a mute only from the one who mutes.
    let body = found(&app, Some(&blocked.token), &[("q", "walrus")]).await;
    let seen = ids(&body["statuses"]);
    assert!(!seen.contains(&own) && seen.contains(&original), "{seen:?}");
    let body = found(&app, Some(&muted.token), &[("q", "walrus")]).await;
    assert!(ids(&body["statuses"]).contains(&own));

    let body = found(
        &app,
        Some(&viewer.token),
        &[("q", "walrus"), ("account_id", &author.account_id.to_string())],
    )
    .await;
    assert_eq!(ids(&body["statuses"]), [original]);
    let body = found(
        &app,
        Some(&viewer.token),
        &[("q", "walrus"), ("account_id", &booster.account_id.to_string())],
    )
    .await;
    assert_eq!(body["statuses"], json!([]), "account_id names the author");
}

#[tokio::test]
async fn offset_pages_through_one_type_of_results() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read write").await;
    update_profile(&app, &viewer, &[("indexable", "true")]).await;
    for name in ["dan", "dana", "daniel", "danielle", "danny"] {
        app.member(name, "read").await;
    }
    let mut posted = Vec::new();
    for n in 0..5 {
        posted.push(id_of(
            &post(&app, &viewer, &[("status", &format!("page test {n}"))]).await,
        ));
    }
    posted.reverse();
    let token = Some(viewer.token.as_str());

    let mut seen = Vec::new();
    for offset in ["0", "2", "4"] {
        let body = found(
            &app,
            token,
            &[
                ("q", "dan"),
                ("type", "accounts"),
                ("limit", "2"),
                ("offset", offset),
            ],
        )
        .await;
        seen.extend(usernames(&body["accounts"]));
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0], "dan", "the exact handle leads the first page");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5, "no account twice: {seen:?}");

    let first = found(
        &app,
        token,
        &[("q", "page"), ("type", "statuses"), ("limit", "3")],
    )
    .await;
    let second = found(
        &app,
        token,
        &[
            ("q", "page"),
            ("type", "statuses"),
            ("limit", "3"),
            ("offset", "3"),
        ],
    )
    .await;
    let mut all = ids(&first["statuses"]);
    all.extend(ids(&second["statuses"]));
    assert_eq!(all, posted);

    // max_id and min_id bound status results too.
    let body = found(
        &app,
        token,
        &[
            ("q", "page"),
            ("type", "statuses"),
            ("max_id", &posted[1]),
            ("min_id", &posted[4]),
        ],
    )
    .await;
    assert_eq!(ids(&body["statuses"]), posted[2..4]);

    // Without a type, offset is ignored.
    let body = found(&app, token, &[("q", "dan"), ("limit", "2"), ("offset", "2")]).await;
    assert_eq!(usernames(&body["accounts"])[0], "dan");

    // v1 account search pages the same way.
    let (_, page) = search_accounts(
        &app,
        &viewer.token,
        &[("q", "dan"), ("limit", "3"), ("offset", "3")],
    )
    .await;
    assert_eq!(usernames(&page), seen[3..]);

    // Paging is for signed-in members.
    let (code, body) = search(&app, None, &[("q", "dan"), ("type", "accounts"), ("offset", "2")]).await;
    assert_eq!(code, 401, "{body}");
    assert_eq!(
        body["error"],
        "Search queries pagination is not supported without authentication"
    );
}

#[tokio::test]
async fn type_limits_results_to_one_kind() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read write").await;
    update_profile(&app, &viewer, &[("indexable", "true")]).await;
    app.member("otter", "read").await;
    post(&app, &viewer, &[("status", "an otter #otters")]).await;
    let token = Some(viewer.token.as_str());

    let body = found(&app, token, &[("q", "otter")]).await;
    assert_eq!(usernames(&body["accounts"]), ["otter"]);
    assert_eq!(body["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(names(&body["hashtags"]), ["otters"]);

    let body = found(&app, token, &[("q", "otter"), ("type", "accounts")]).await;
    assert_eq!(usernames(&body["accounts"]), ["otter"]);
    assert_eq!(
        (body["statuses"].clone(), body["hashtags"].clone()),
        (json!([]), json!([]))
    );
    let body = found(&app, token, &[("q", "otter"), ("type", "statuses")]).await;
    assert_eq!(body["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(
        (body["accounts"].clone(), body["hashtags"].clone()),
        (json!([]), json!([]))
    );
    let body = found(&app, token, &[("q", "otter"), ("type", "hashtags")]).await;
    assert_eq!(names(&body["hashtags"]), ["otters"]);
    assert_eq!(
        (body["accounts"].clone(), body["statuses"].clone()),
        (json!([]), json!([]))
    );
    let body = found(&app, token, &[("q", "otter"), ("type", "emoji")]).await;
    assert_eq!(body, json!({ "accounts": [], "statuses": [], "hashtags": [] }));

    // As in Mastodon: `#word` looks for hashtags, `@handle` for accounts.
    let body = found(&app, token, &[("q", "#otter")]).await;
    assert_eq!(
        (body["accounts"].clone(), body["statuses"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(names(&body["hashtags"]), ["otters"]);
    let body = found(&app, token, &[("q", "@otter")]).await;
    assert_eq!(usernames(&body["accounts"]), ["otter"]);
    assert_eq!(
        (body["statuses"].clone(), body["hashtags"].clone()),
        (json!([]), json!([]))
    );
}

#[tokio::test]
async fn bad_search_input_is_refused_or_bounded() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read").await;
    let writer = app.member("writer", "write").await;
    sqlx::query("insert into tags (name) select 'tag' || g from generate_series(1, 45) g")
        .execute(&app.pool)
        .await
        .unwrap();
    let token = Some(viewer.token.as_str());

    for params in [vec![], vec![("q", "")], vec![("q", "   ")]] {
        let (code, body) = search(&app, token, &params).await;
        assert_eq!(code, 400, "{params:?}: {body}");
        assert_eq!(body["error"], "param is missing or the value is empty: q");
    }
    let body = found(&app, token, &[("q", "tag"), ("limit", "100")]).await;
    assert_eq!(
        body["hashtags"].as_array().unwrap().len(),
        40,
        "limit is clamped to 40"
    );
    let body = found(&app, token, &[("q", "tag")]).await;
    assert_eq!(body["hashtags"].as_array().unwrap().len(), 20, "20 by default");
    let body = found(&app, token, &[("q", "tag"), ("limit", "0")]).await;
    assert_eq!(body["hashtags"], json!([]));
    for params in [[("q", "tag"), ("offset", "-1")], [("q", "tag"), ("limit", "-5")]] {
        let (code, body) = search(&app, token, &params).await;
        assert_eq!(code, 400, "{params:?}: {body}");
        assert_eq!(
            body["error"],
            "Pagination values for `offset` and `limit` must be positive"
        );
    }
    let (code, _) = search(&app, token, &[("q", "tag"), ("limit", "many")]).await;
    assert_eq!(code, 422);

    // resolve is accepted from members (and ignored until federation); anonymous it is 401.
    let body = found(&app, token, &[("q", "tag1"), ("resolve", "true")]).await;
    assert_eq!(names(&body["hashtags"])[0], "tag1");
    let (code, body) = search(&app, None, &[("q", "tag1"), ("resolve", "true")]).await;
    assert_eq!(code, 401, "{body}");
    let body = found(
        &app,
        None,
        &[("q", "tag1"), ("resolve", "false"), ("exclude_unreviewed", "1")],
    )
    .await;
    assert_eq!(names(&body["hashtags"])[0], "tag1");

    // A token needs read or read:search.
    let (code, _) = search(&app, Some(&writer.token), &[("q", "tag")]).await;
    assert_eq!(code, 403);
    let reader = app.member("searcher", "read:search").await;
    found(&app, Some(&reader.token), &[("q", "tag")]).await;
}

#[tokio::test]
async fn v1_account_search_is_for_members_with_read_accounts() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer", "read:accounts").await;
    let searcher = app.member("searcher", "read:search").await;
    for n in 0..85 {
        sqlx::query(
            "insert into accounts (username, domain, uri, public_key_pem)
             values ($1, 'many.test', 'https://many.test/u/' || $1, 'key')",
        )
        .bind(format!("zed{n}"))
        .execute(&app.pool)
        .await
        .unwrap();
    }

    let response = app.get("/api/v1/accounts/search?q=zed").await;
    assert_eq!(response.status(), 401);
    let (code, _) = search_accounts(&app, &searcher.token, &[("q", "zed")]).await;
    assert_eq!(code, 403);

    let (code, list) = search_accounts(&app, &viewer.token, &[("q", "zed")]).await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 40, "40 by default");
    let (_, list) = search_accounts(&app, &viewer.token, &[("q", "zed"), ("limit", "500")]).await;
    assert_eq!(list.as_array().unwrap().len(), 80, "at most 80");
    let (_, list) = search_accounts(
        &app,
        &viewer.token,
        &[("q", "@zed1@many.test"), ("resolve", "true")],
    )
    .await;
    assert_eq!(usernames(&list)[0], "zed1@many.test");
    let (code, list) = search_accounts(&app, &viewer.token, &[]).await;
    assert_eq!((code, list), (200, json!([])), "no query finds nobody");
    let (code, _) = search_accounts(&app, &viewer.token, &[("q", "zed"), ("offset", "-1")]).await;
    assert_eq!(code, 400);
}
