//! Every route that returns statuses, checked against one table of who may see what: a private,
//! a direct, a limited domain's and a remote private status, for a stranger, a follower, a
//! mentioned member and the public, through the API, the web pages and the streams. A route
//! added without the visibility rule fails here.

use serde_json::{Value, json};

use crate::domain_policy::rule;
use crate::fake_remote::{FakeActor, FakeRemote, create_note};
use crate::federation_activities::{deliver, follow_remote};
use crate::federation_in::app_with;
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;
use ferrodon::moderation::Severity;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A status under test and the names it can be found by.
struct Subject {
    name: &'static str,
    id: String,
    uri: String,
    /// The address of its page (`/@user/:id` for ours, the remote's `url` for theirs).
    url: String,
    /// A word only this status holds, for full-text search.
    word: &'static str,
    author_id: String,
    local: bool,
}

/// Who looks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Viewer {
    Public,
    Stranger,
    Follower,
    Mentioned,
}

/// What a route is to show.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Shown,
    Hidden,
    /// Either is right (a listing that shows only some of what one may see, such as home);
    /// still never shown where the status itself may not be seen.
    Either,
}

/// Whether `viewer` may see the status at all: the one rule, written out as a table.
fn may_see(subject: &Subject, viewer: Viewer) -> bool {
    match (subject.name, viewer) {
        ("private", Viewer::Follower | Viewer::Mentioned) => true,
        ("direct", Viewer::Mentioned) => true,
        // Public, on a limited domain: seen when named exactly, whoever asks.
        ("limited", _) => true,
        ("remote private", Viewer::Follower) => true,
        _ => false,
    }
}

/// Routes that find a status by naming it exactly: they show it to whoever may see it.
const EXACT: &[&str] = &[
    "GET /api/v1/statuses/:id",
    "GET /api/v1/statuses?id[]=",
    "GET /api/v1/statuses/:id/context",
    "GET /api/v1/statuses/:id/history",
    "GET /api/v1/statuses/:id/favourited_by",
    "GET /api/v1/statuses/:id/reblogged_by",
    "GET /api/v2/search resolve by uri",
    "GET /api/v2/search resolve by url",
];

/// Routes that list statuses: never one the viewer may not see; a limited domain's only to its
/// followers where Limit hides it (public and hashtag timelines, full-text search).
const LISTINGS: &[&str] = &[
    "GET /api/v2/search full text",
    "GET /api/v1/timelines/home",
    "GET /api/v1/timelines/public",
    "GET /api/v1/timelines/public?local=true",
    "GET /api/v1/timelines/public?remote=true",
    "GET /api/v1/timelines/tag/matrix",
    "GET /api/v1/accounts/:id/statuses",
    "GET /api/v1/notifications",
    "GET /api/v1/conversations",
    "GET /api/v1/statuses/:id/context of a reply",
];

/// The member's web pages, each read as the API route it mirrors (the same rule decides): a
/// signed-in browser for the members, none for the public.
const WEB_PAGES: &[(&str, &str)] = &[
    ("page /statuses/:id", "GET /api/v1/statuses/:id"),
    (
        "page /statuses/:id of a reply",
        "GET /api/v1/statuses/:id/context of a reply",
    ),
    ("page /accounts/:id", "GET /api/v1/accounts/:id/statuses"),
    ("page /home", "GET /api/v1/timelines/home"),
    ("page /public", "GET /api/v1/timelines/public"),
    ("page /public/local", "GET /api/v1/timelines/public?local=true"),
    ("page /tags/matrix", "GET /api/v1/timelines/tag/matrix"),
    ("page /notifications", "GET /api/v1/notifications"),
    ("page /search full text", "GET /api/v2/search full text"),
];

/// The streams, each read as the timeline it mirrors (the same rules decide who gets a status):
/// opened before the statuses are made, read after.
const STREAMS: &[(&str, &str)] = &[
    ("stream=user", "GET /api/v1/timelines/home"),
    ("stream=public", "GET /api/v1/timelines/public"),
    ("stream=public:local", "GET /api/v1/timelines/public?local=true"),
    ("stream=public:remote", "GET /api/v1/timelines/public?remote=true"),
    ("stream=hashtag&tag=matrix", "GET /api/v1/timelines/tag/matrix"),
    ("stream=direct", "GET /api/v1/conversations"),
];

/// Opens every stream of [`STREAMS`] for `token` (`None`: anonymous, public streams only).
async fn open_streams(app: &TestApp, token: Option<&str>) -> Vec<Option<crate::streaming::Socket>> {
    let mut sockets = Vec::new();
    for (query, _) in STREAMS {
        sockets.push(match token {
            Some(token) => Some(crate::streaming::connect(app, query, token).await),
            None => tokio_tungstenite::connect_async(crate::streaming::ws_url(app, query))
                .await
                .ok()
                .map(|(socket, _)| socket),
        });
    }
    sockets
}

/// Everything each stream carried, as one text per stream (payloads hold the statuses' words).
async fn read_streams(sockets: &mut [Option<crate::streaming::Socket>]) -> Vec<String> {
    let mut texts = Vec::new();
    for socket in sockets.iter_mut() {
        let text = match socket {
            Some(socket) => crate::streaming::drain(socket, std::time::Duration::from_millis(700))
                .await
                .iter()
                .map(|event| event["payload"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join("\n"),
            None => String::new(),
        };
        texts.push(text);
    }
    texts
}

/// Whether a web page shows the status to `browser` (`None`: a visitor).
async fn page_shows(
    app: &TestApp,
    route: &str,
    subject: &Subject,
    browser: Option<&mut crate::helpers::TestBrowser<'_>>,
    reply_id: &str,
) -> bool {
    let path = match route {
        "page /statuses/:id" => format!("/statuses/{}", subject.id),
        "page /statuses/:id of a reply" => format!("/statuses/{reply_id}"),
        "page /accounts/:id" => format!("/accounts/{}", subject.author_id),
        "page /search full text" => format!("/search?q={}", subject.word),
        other => other.trim_start_matches("page ").to_owned(),
    };
    let (code, page) = match browser {
        Some(browser) => {
            let (code, _, page) = browser.get(&path).await;
            (code, page)
        }
        None => {
            let response = app.get(&path).await;
            (
                response.status().as_u16(),
                response.text().await.unwrap_or_default(),
            )
        }
    };
    match code {
        200 => page.contains(&format!("id=\"post-{}\"", subject.id)),
        // Not found, or (member pages, for a visitor) the way to the sign-in.
        303 | 404 => false,
        other => panic!("{route} for {}: {other} {page}", subject.name),
    }
}

/// Pages and documents the public reads (without a token).
const PUBLIC_DOCUMENTS: &[&str] = &[
    "GET /@user/:id",
    "GET /users/:user/statuses/:id as JSON",
    "GET /@user",
    "GET /users/:user/outbox?page=true",
];

fn expect(route: &str, subject: &Subject, viewer: Viewer) -> Expect {
    let allowed = may_see(subject, viewer);
    if !allowed {
        return Expect::Hidden;
    }
    let resolves = route.starts_with("GET /api/v2/search resolve");
    if resolves && viewer == Viewer::Public {
        // Resolving is for members (401 without a token).
        return Expect::Hidden;
    }
    if route == "GET /api/v2/search resolve by url" && !subject.local {
        // A remote page address is fetched from its server, which the fake does not serve.
        return Expect::Either;
    }
    if EXACT.contains(&route) {
        return Expect::Shown;
    }
    let hidden_by_limit = subject.name == "limited" && viewer != Viewer::Follower;
    match route {
        "GET /api/v2/search full text"
        | "GET /api/v1/timelines/public"
        | "GET /api/v1/timelines/public?remote=true"
        | "GET /api/v1/timelines/tag/matrix"
            if hidden_by_limit =>
        {
            Expect::Hidden
        }
        // Local statuses only there; the others are public only for the limited one.
        "GET /api/v1/timelines/public?local=true" if !subject.local => Expect::Hidden,
        "GET /api/v1/timelines/public?remote=true" if subject.local => Expect::Hidden,
        "GET /api/v1/timelines/public"
        | "GET /api/v1/timelines/public?local=true"
        | "GET /api/v1/timelines/public?remote=true"
        | "GET /api/v1/timelines/tag/matrix"
            if subject.name != "limited" =>
        {
            Expect::Hidden
        }
        "GET /api/v1/accounts/:id/statuses" => Expect::Shown,
        "GET /api/v1/statuses/:id/context of a reply" => Expect::Shown,
        _ => Expect::Either,
    }
}

/// The ids of a list of statuses, or of the statuses in a list of notifications/conversations.
fn status_ids(body: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut add = |status: &Value| {
        if let Some(id) = status["id"].as_str() {
            found.push(id.to_owned());
        }
        if let Some(id) = status["reblog"]["id"].as_str() {
            found.push(id.to_owned());
        }
    };
    match body {
        Value::Array(items) => {
            for item in items {
                if item.get("last_status").is_some() {
                    add(&item["last_status"]);
                } else if item.get("type").is_some() && item.get("account").is_some() {
                    add(&item["status"]);
                } else {
                    add(item);
                }
            }
        }
        Value::Object(_) => {
            for key in ["statuses", "ancestors", "descendants"] {
                for status in body[key].as_array().into_iter().flatten() {
                    add(status);
                }
            }
        }
        _ => {}
    }
    found
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    match token {
        Some(token) => json_of(app.get_with(path, token).await).await,
        None => json_of(app.get(path).await).await,
    }
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Whether `route` shows the status to the holder of `token`.
async fn shows(app: &TestApp, route: &str, subject: &Subject, token: Option<&str>, reply_id: &str) -> bool {
    let id = &subject.id;
    let single = |code: u16, body: &Value| -> bool {
        match code {
            200 => true,
            404 => false,
            other => panic!("{route} for {}: {other} {body}", subject.name),
        }
    };
    match route {
        "GET /api/v1/statuses/:id"
        | "GET /api/v1/statuses/:id/context"
        | "GET /api/v1/statuses/:id/history"
        | "GET /api/v1/statuses/:id/favourited_by"
        | "GET /api/v1/statuses/:id/reblogged_by" => {
            let suffix = route.trim_start_matches("GET /api/v1/statuses/:id");
            let (code, body) = get(app, &format!("/api/v1/statuses/{id}{suffix}"), token).await;
            single(code, &body)
        }
        "GET /api/v1/statuses?id[]=" => {
            let (_, body) = get(app, &format!("/api/v1/statuses?id[]={id}"), token).await;
            status_ids(&body).contains(id)
        }
        "GET /api/v2/search resolve by uri" | "GET /api/v2/search resolve by url" => {
            let name = if route.ends_with("uri") {
                &subject.uri
            } else {
                &subject.url
            };
            let path = format!("/api/v2/search?resolve=true&q={}", encoded(name));
            let (code, body) = get(app, &path, token).await;
            if token.is_none() {
                assert_eq!(code, 401, "{body}");
                return false;
            }
            status_ids(&body).contains(id)
        }
        "GET /api/v2/search full text" => {
            let path = format!("/api/v2/search?type=statuses&q={}", subject.word);
            let (_, body) = get(app, &path, token).await;
            status_ids(&body).contains(id)
        }
        "GET /api/v1/accounts/:id/statuses" => {
            let path = format!("/api/v1/accounts/{}/statuses", subject.author_id);
            let (_, body) = get(app, &path, token).await;
            status_ids(&body).contains(id)
        }
        "GET /api/v1/statuses/:id/context of a reply" => {
            let (_, body) = get(app, &format!("/api/v1/statuses/{reply_id}/context"), token).await;
            status_ids(&body).contains(id)
        }
        "GET /api/v1/timelines/home" | "GET /api/v1/notifications" | "GET /api/v1/conversations" => {
            if token.is_none() {
                return false;
            }
            let (code, body) = get(app, route.trim_start_matches("GET "), token).await;
            assert_eq!(code, 200, "{route}: {body}");
            status_ids(&body).contains(id)
        }
        _ => {
            let (_, body) = get(app, route.trim_start_matches("GET "), token).await;
            status_ids(&body).contains(id)
        }
    }
}

/// Whether a public page or document shows the status.
async fn public_document_shows(app: &TestApp, route: &str, subject: &Subject) -> bool {
    let Some((_, local_id)) = subject.uri.rsplit_once("/statuses/") else {
        return false;
    };
    let client = reqwest::Client::new();
    let (path, accept) = match route {
        "GET /@user/:id" => (format!("/@author/{local_id}"), "text/html"),
        "GET /users/:user/statuses/:id as JSON" => (
            format!("/users/author/statuses/{local_id}"),
            "application/activity+json",
        ),
        "GET /@user" => ("/@author".to_owned(), "text/html"),
        _ => (
            "/users/author/outbox?page=true".to_owned(),
            "application/activity+json",
        ),
    };
    let response = client
        .get(format!("{}{path}", app.base_url))
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let code = response.status().as_u16();
    let body = response.text().await.unwrap();
    match code {
        200 => body.contains(subject.word) || body.contains(&subject.uri),
        404 => false,
        other => panic!("{route}: {other} {body}"),
    }
}

async fn deliver_note(app: &TestApp, actor: &FakeActor, suffix: &str, fields: Value) -> (String, String) {
    let activity = create_note(actor, suffix, fields);
    deliver(app, actor, &activity).await;
    let uri = activity["object"]["id"].as_str().unwrap().to_owned();
    let id: i64 = sqlx::query_scalar("select id from statuses where uri = $1")
        .bind(&uri)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (uri, id.to_string())
}

async fn follow(app: &TestApp, who: &TestMember, whom: &TestMember) {
    let path = format!("/api/v1/accounts/{}/follow", whom.account_id);
    let (code, body) = json_of(app.post_form(&path, Some(&who.token), &[]).await).await;
    assert_eq!(code, 200, "{body}");
}

#[tokio::test]
async fn every_route_that_returns_statuses_shows_each_only_to_those_entitled() {
    let limited = FakeRemote::start("limited.test").await;
    let remote = FakeRemote::start("remote.test").await;
    let lena = limited.add_actor("lena");
    let carl = remote.add_actor("carl");
    let app = app_with(&[&limited, &remote]).await;
    rule(&app, "limited.test", Severity::Silence, |_| {}).await;
    let author = app.member("author", "read write follow").await;
    let stranger = app.member("stranger", "read write follow").await;
    let follower = app.member("follower", "read write follow").await;
    let mentioned = app.member("mentioned", "read write follow").await;
    follow(&app, &follower, &author).await;
    follow_remote(&app, &follower, &lena, "lena@limited.test").await;
    follow_remote(&app, &follower, &carl, "carl@remote.test").await;

    let mut streams = Vec::new();
    for (viewer, token) in [
        (Viewer::Public, None),
        (Viewer::Stranger, Some(stranger.token.as_str())),
        (Viewer::Follower, Some(follower.token.as_str())),
        (Viewer::Mentioned, Some(mentioned.token.as_str())),
    ] {
        streams.push((viewer, open_streams(&app, token).await));
    }
    // Subscriptions take effect as the sockets open; give the last a moment.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let local = |status: &Value, name: &'static str, word: &'static str| Subject {
        name,
        id: status["id"].as_str().unwrap().to_owned(),
        uri: status["uri"].as_str().unwrap().to_owned(),
        url: status["url"].as_str().unwrap().to_owned(),
        word,
        author_id: author.account_id.to_string(),
        local: true,
    };
    let private = post(
        &app,
        &author,
        &[
            ("status", "@mentioned quokkaprivate #matrix"),
            ("visibility", "private"),
        ],
    )
    .await;
    let direct = post(
        &app,
        &author,
        &[
            ("status", "@mentioned wombatdirect #matrix"),
            ("visibility", "direct"),
        ],
    )
    .await;
    let (limited_uri, limited_id) = deliver_note(
        &app,
        &lena,
        "l1",
        json!({"content": "<p>numbatlimited <a href=\"https://limited.test/tags/matrix\">#matrix</a></p>",
               "url": "https://limited.test/@lena/l1",
               "tag": [{"type": "Hashtag", "name": "#matrix"}],
               "to": [PUBLIC], "cc": [format!("{}/followers", lena.uri)]}),
    )
    .await;
    let (remote_uri, remote_id) = deliver_note(
        &app,
        &carl,
        "r1",
        json!({"content": "<p>dingoprivate #matrix</p>",
               "url": "https://remote.test/@carl/r1",
               "tag": [{"type": "Hashtag", "name": "#matrix"}],
               "to": [format!("{}/followers", carl.uri)], "cc": []}),
    )
    .await;
    let lena_id = crate::federation_activities::account_id(&app, &stranger, "lena@limited.test").await;
    let carl_id = crate::federation_activities::account_id(&app, &follower, "carl@remote.test").await;
    let subjects = [
        local(&private, "private", "quokkaprivate"),
        local(&direct, "direct", "wombatdirect"),
        Subject {
            name: "limited",
            id: limited_id,
            url: "https://limited.test/@lena/l1".into(),
            uri: limited_uri,
            word: "numbatlimited",
            author_id: lena_id,
            local: false,
        },
        Subject {
            name: "remote private",
            id: remote_id,
            url: "https://remote.test/@carl/r1".into(),
            uri: remote_uri,
            word: "dingoprivate",
            author_id: carl_id,
            local: false,
        },
    ];
    // A public reply under each, by someone who may see it, for the thread route.
    let mut replies = Vec::new();
    for subject in &subjects {
        let replier = if subject.name == "direct" {
            &mentioned
        } else {
            &follower
        };
        let reply = post(
            &app,
            replier,
            &[
                ("status", "a public reply"),
                ("in_reply_to_id", subject.id.as_str()),
            ],
        )
        .await;
        replies.push(reply["id"].as_str().unwrap().to_owned());
    }

    // What each viewer's streams carried, against the timeline each mirrors.
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (viewer, sockets) in &mut streams {
        let carried = read_streams(sockets).await;
        // And the positive side: what a member's home and direct streams are for arrives.
        let wanted: &[(&str, &str)] = match viewer {
            Viewer::Follower => &[
                ("stream=user", "quokkaprivate"),
                ("stream=user", "numbatlimited"),
                ("stream=user", "dingoprivate"),
            ],
            Viewer::Mentioned => &[("stream=direct", "wombatdirect")],
            _ => &[],
        };
        for (query, word) in wanted {
            let index = STREAMS.iter().position(|(q, _)| q == query).unwrap();
            if !carried[index].contains(word) {
                wrong.push(format!("{query}: {word} not streamed to {viewer:?}"));
            }
        }
        for ((query, mirrored), text) in STREAMS.iter().zip(&carried) {
            for subject in &subjects {
                let shown = text.contains(subject.word);
                checked += 1;
                let right = match expect(mirrored, subject, *viewer) {
                    Expect::Shown => shown,
                    Expect::Hidden => !shown,
                    Expect::Either => true,
                };
                if !right {
                    wrong.push(format!(
                        "{query}: the {} status {} to {viewer:?}",
                        subject.name,
                        if shown { "streamed" } else { "not streamed" }
                    ));
                }
            }
        }
    }

    let viewers = [
        (Viewer::Public, None),
        (Viewer::Stranger, Some(stranger.token.as_str())),
        (Viewer::Follower, Some(follower.token.as_str())),
        (Viewer::Mentioned, Some(mentioned.token.as_str())),
    ];
    let signed_in = |name: &'static str| {
        let app = &app;
        async move {
            let mut browser = crate::helpers::TestBrowser::new(app);
            let (code, _, page) = browser.sign_in(name, "correct horse battery").await;
            assert_eq!(code, 303, "{page}");
            browser
        }
    };
    let mut stranger_browser = signed_in("stranger").await;
    let mut follower_browser = signed_in("follower").await;
    let mut mentioned_browser = signed_in("mentioned").await;
    for (subject, reply_id) in subjects.iter().zip(&replies) {
        for route in EXACT.iter().chain(LISTINGS) {
            for (viewer, token) in viewers {
                let wanted = expect(route, subject, viewer);
                let shown = shows(&app, route, subject, token, reply_id).await;
                checked += 1;
                let right = match wanted {
                    Expect::Shown => shown,
                    Expect::Hidden => !shown,
                    Expect::Either => true,
                };
                if !right {
                    wrong.push(format!(
                        "{route}: the {} status {} to {viewer:?}",
                        subject.name,
                        if shown { "shown" } else { "not shown" }
                    ));
                }
            }
        }
        for (page, mirrored) in WEB_PAGES {
            for (viewer, browser) in [
                (Viewer::Public, None),
                (Viewer::Stranger, Some(&mut stranger_browser)),
                (Viewer::Follower, Some(&mut follower_browser)),
                (Viewer::Mentioned, Some(&mut mentioned_browser)),
            ] {
                let wanted = expect(mirrored, subject, viewer);
                let shown = page_shows(&app, page, subject, browser, reply_id).await;
                checked += 1;
                let right = match wanted {
                    Expect::Shown => shown,
                    Expect::Hidden => !shown,
                    Expect::Either => true,
                };
                if !right {
                    wrong.push(format!(
                        "{page}: the {} status {} to {viewer:?}",
                        subject.name,
                        if shown { "shown" } else { "not shown" }
                    ));
                }
            }
        }
        if subject.local {
            for route in PUBLIC_DOCUMENTS {
                checked += 1;
                // Neither the private nor the direct status is for the public.
                if public_document_shows(&app, route, subject).await {
                    wrong.push(format!(
                        "{route}: the {} status shown to the public",
                        subject.name
                    ));
                }
            }
        }
    }
    assert!(checked > 470, "{checked}");
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // The positive side of the public documents: a public status of the same author is there.
    let open = post(&app, &author, &[("status", "koalapublic")]).await;
    let open = local(&open, "public", "koalapublic");
    for route in PUBLIC_DOCUMENTS {
        assert!(public_document_shows(&app, route, &open).await, "{route}");
    }
}
