//! Two ferrodon instances side by side on `a.test` and `b.test`: what a member of one sees of
//! the other.

use tokio::net::TcpListener;

use crate::helpers::{TestApp, json_of};

/// Instances `a.test` and `b.test`, each reaching the other by name.
pub async fn pair() -> (TestApp, TestApp) {
    let a_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (a_listener.local_addr().unwrap(), b_listener.local_addr().unwrap());
    let a = TestApp::spawn_on(a_listener, move |config| {
        config.server.domain = "a.test".into();
        config.server.https = false;
        config.federation.resolve.insert("b.test".into(), b_addr);
    })
    .await;
    let b = TestApp::spawn_on(b_listener, move |config| {
        config.server.domain = "b.test".into();
        config.server.https = false;
        config.federation.resolve.insert("a.test".into(), a_addr);
    })
    .await;
    (a, b)
}

#[tokio::test]
async fn a_member_of_one_instance_finds_a_member_of_the_other_and_reads_their_public_posts() {
    let (a, b) = pair().await;
    let alice = a.member("alice", "read write follow").await;
    let bob = b.member("bob", "read write follow").await;
    let (status, posted) = json_of(
        b.post_form(
            "/api/v1/statuses",
            Some(&bob.token),
            &[("status", "Hello from b.test #ferrodon")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    b.post_form(
        "/api/v1/statuses",
        Some(&bob.token),
        &[("status", "just for my followers"), ("visibility", "private")],
    )
    .await;

    let (status, found) = json_of(
        a.get_with("/api/v1/accounts/lookup?acct=bob@b.test", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["acct"], "bob@b.test");
    assert_eq!(found["url"], "http://b.test/@bob");
    a.run_jobs().await;
    let (_, statuses) = json_of(
        a.get_with(
            &format!("/api/v1/accounts/{}/statuses", found["id"].as_str().unwrap()),
            &alice.token,
        )
        .await,
    )
    .await;
    let statuses = statuses.as_array().unwrap();
    assert_eq!(statuses.len(), 1, "only the public post: {statuses:?}");
    assert_eq!(statuses[0]["uri"], posted["uri"]);
    assert!(
        statuses[0]["content"]
            .as_str()
            .unwrap()
            .contains("Hello from b.test")
    );

    // The post's URL, searched with resolve, is the same status.
    let (_, results) = json_of(
        a.get_with(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                posted["uri"].as_str().unwrap()
            ),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(results["statuses"][0]["id"], statuses[0]["id"]);
}
