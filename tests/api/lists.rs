//! Lists: making, renaming and deleting them, who is on them, and what happens on unfollow.

use reqwest::Method;
use serde_json::json;

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};

async fn follow(app: &TestApp, follower: &TestMember, target: &TestMember) {
    sqlx::query("insert into follows (account_id, target_account_id) values ($1, $2)")
        .bind(follower.account_id)
        .bind(target.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn create_list(app: &TestApp, member: &TestMember, title: &str) -> String {
    let (status, list) = json_of(
        app.post_form("/api/v1/lists", Some(&member.token), &[("title", title)])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    list["id"].as_str().unwrap().to_owned()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn lists_are_created_read_renamed_and_deleted() {
    let app = TestApp::spawn().await;
    let member = app.member("lena", "read write").await;
    let (status, created) = json_of(
        app.post_form(
            "/api/v1/lists",
            Some(&member.token),
            &[
                ("title", "Friends"),
                ("replies_policy", "followed"),
                ("exclusive", "true"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        created,
        json!({ "id": id, "title": "Friends", "replies_policy": "followed", "exclusive": true })
    );

    let (status, plain) = json_of(
        app.send_json(
            Method::POST,
            "/api/v1/lists",
            Some(&member.token),
            &json!({ "title": "Work" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(plain["replies_policy"], "list", "the default policy");
    assert_eq!(plain["exclusive"], false);

    let (status, read) = json_of(app.get_with(&format!("/api/v1/lists/{id}"), &member.token).await).await;
    assert_eq!((status, &read), (200, &created));

    let (status, renamed) = json_of(
        app.send_json(
            Method::PUT,
            &format!("/api/v1/lists/{id}"),
            Some(&member.token),
            &json!({ "title": "Close friends", "replies_policy": "none" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["title"], "Close friends");
    assert_eq!(renamed["replies_policy"], "none");
    assert_eq!(renamed["exclusive"], true, "what was not given stays");

    let (_, all) = json_of(app.get_with("/api/v1/lists", &member.token).await).await;
    let titles: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Close friends", "Work"]);

    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v1/lists/{id}"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(
        app.get_with(&format!("/api/v1/lists/{id}"), &member.token)
            .await
            .status(),
        404
    );
    assert_eq!(count(&app, "select count(*) from lists").await, 1);
}

#[tokio::test]
async fn bad_list_input_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let member = app.member("bert", "read write").await;
    for form in [
        vec![],
        vec![("title", "")],
        vec![("title", "   ")],
        vec![("title", "Ok"), ("replies_policy", "everyone")],
        vec![("title", "Ok"), ("replies_policy", "")],
        vec![("title", "Ok"), ("exclusive", "perhaps")],
    ] {
        let (status, body) = json_of(app.post_form("/api/v1/lists", Some(&member.token), &form).await).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert!(
            body["error"].as_str().unwrap().starts_with("Validation failed"),
            "{body}"
        );
    }
    let long = "x".repeat(257);
    let (status, _) = json_of(
        app.post_form("/api/v1/lists", Some(&member.token), &[("title", &long)])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(count(&app, "select count(*) from lists").await, 0);

    let id = create_list(&app, &member, "Keep").await;
    for body in [
        json!({ "title": "" }),
        json!({ "replies_policy": "all" }),
        json!({ "title": "New", "replies_policy": "all" }),
    ] {
        let (status, _) = json_of(
            app.send_json(
                Method::PUT,
                &format!("/api/v1/lists/{id}"),
                Some(&member.token),
                &body,
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{body}");
    }
    let (_, list) = json_of(app.get_with(&format!("/api/v1/lists/{id}"), &member.token).await).await;
    assert_eq!(list["title"], "Keep");
    assert_eq!(list["replies_policy"], "list");
    for path in ["/api/v1/lists/abc", "/api/v1/lists/0", "/api/v1/lists/99999"] {
        assert_eq!(app.get_with(path, &member.token).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_member_may_own_at_most_fifty_lists() {
    let app = TestApp::spawn().await;
    let member = app.member("hoarder", "read write").await;
    sqlx::query(
        "insert into lists (account_id, title) select $1, 'List ' || n from generate_series(1, 50) n",
    )
    .bind(member.account_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let (status, body) = json_of(
        app.post_form("/api/v1/lists", Some(&member.token), &[("title", "One more")])
            .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(count(&app, "select count(*) from lists").await, 50);
}

#[tokio::test]
async fn another_members_list_answers_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.member("olga", "read write").await;
    let other = app.member("otto", "read write").await;
    let friend = app.member("fred", "read").await;
    follow(&app, &owner, &friend).await;
    follow(&app, &other, &friend).await;
    let id = create_list(&app, &owner, "Mine").await;
    let list_path = format!("/api/v1/lists/{id}");
    let accounts_path = format!("{list_path}/accounts");
    let friend_id = friend.account_id.to_string();
    assert_eq!(app.get_with(&list_path, &other.token).await.status(), 404);
    assert_eq!(app.get_with(&accounts_path, &other.token).await.status(), 404);
    let attempts = [
        (Method::PUT, list_path.as_str(), vec![("title", "Stolen")]),
        (Method::DELETE, list_path.as_str(), vec![]),
        (
            Method::POST,
            accounts_path.as_str(),
            vec![("account_ids[]", friend_id.as_str())],
        ),
        (
            Method::DELETE,
            accounts_path.as_str(),
            vec![("account_ids[]", friend_id.as_str())],
        ),
    ];
    for (method, path, form) in attempts {
        let (status, body) = json_of(
            app.send_form(method.clone(), path, Some(&other.token), &form)
                .await,
        )
        .await;
        assert_eq!(
            (status, body),
            (404, json!({ "error": "Record not found" })),
            "{method} {path}"
        );
    }
    let (_, list) = json_of(app.get_with(&list_path, &owner.token).await).await;
    assert_eq!(list["title"], "Mine");
    assert_eq!(count(&app, "select count(*) from list_accounts").await, 0);
    let (_, lists) = json_of(
        app.get_with(&format!("/api/v1/accounts/{friend_id}/lists"), &other.token)
            .await,
    )
    .await;
    assert_eq!(lists, json!([]));
}

#[tokio::test]
async fn lists_need_the_lists_scopes() {
    let app = TestApp::spawn().await;
    let reader = app.member("rita", "read:lists").await;
    let writer = app.member("walt", "write:lists").await;
    let stranger = app.member("sam", "read:statuses write:statuses").await;
    let (status, _) = json_of(
        app.post_form("/api/v1/lists", Some(&reader.token), &[("title", "No")])
            .await,
    )
    .await;
    assert_eq!(status, 403);
    let id = create_list(&app, &writer, "Yes").await;
    assert_eq!(
        app.get_with(&format!("/api/v1/lists/{id}"), &writer.token)
            .await
            .status(),
        403
    );
    assert_eq!(app.get_with("/api/v1/lists", &reader.token).await.status(), 200);
    assert_eq!(app.get_with("/api/v1/lists", &stranger.token).await.status(), 403);
    let (status, _) = json_of(
        app.post_form("/api/v1/lists", Some(&stranger.token), &[("title", "No")])
            .await,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.get("/api/v1/lists").await.status(), 401);
}

#[tokio::test]
async fn followed_accounts_are_added_paged_and_removed() {
    let app = TestApp::spawn().await;
    let owner = app.member("paula", "read write").await;
    let a = app.member("anna", "read").await;
    let b = app.member("bob", "read").await;
    let c = app.member("cleo", "read").await;
    for target in [&a, &b, &c] {
        follow(&app, &owner, target).await;
    }
    let id = create_list(&app, &owner, "Pals").await;
    let path = format!("/api/v1/lists/{id}/accounts");
    let (a_id, b_id, c_id) = (
        a.account_id.to_string(),
        b.account_id.to_string(),
        c.account_id.to_string(),
    );
    let (status, body) = json_of(
        app.post_form(
            &path,
            Some(&owner.token),
            &[("account_ids[]", &a_id), ("account_ids[]", &b_id)],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, body) = json_of(
        app.send_json(
            Method::POST,
            &path,
            Some(&owner.token),
            &json!({ "account_ids": [c_id, a_id] }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({})),
        "an account already listed is fine"
    );
    assert_eq!(count(&app, "select count(*) from list_accounts").await, 3);

    let (status, accounts) = json_of(app.get_with(&path, &owner.token).await).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [c_id.as_str(), b_id.as_str(), a_id.as_str()],
        "highest id first"
    );
    assert_eq!(accounts[0]["username"], "cleo");

    let response = app.get_with(&format!("{path}?limit=2"), &owner.token).await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let (_, first) = json_of(response).await;
    assert_eq!(first.as_array().unwrap().len(), 2);
    assert!(link.starts_with("<http://"), "{link}");
    assert!(
        link.contains(&format!("{path}?limit=2&max_id={b_id}>; rel=\"next\"")),
        "{link}"
    );
    assert!(link.contains(&format!("min_id={c_id}>; rel=\"prev\"")), "{link}");
    let (_, second) = json_of(
        app.get_with(&format!("{path}?limit=2&max_id={b_id}"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(second[0]["id"], a_id.as_str());
    assert_eq!(second.as_array().unwrap().len(), 1);
    let (_, newer) = json_of(
        app.get_with(&format!("{path}?min_id={a_id}&limit=1"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(newer[0]["id"], b_id.as_str(), "min_id gives the page just above");
    let (_, since) = json_of(
        app.get_with(&format!("{path}?since_id={a_id}&limit=1"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(since[0]["id"], c_id.as_str(), "since_id gives the newest");
    let response = app.get_with(&format!("{path}?limit=0"), &owner.token).await;
    assert!(response.headers().get("link").is_none(), "limit=0 is unpaged");
    let (_, all) = json_of(response).await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    let (_, lists) = json_of(
        app.get_with(&format!("/api/v1/accounts/{b_id}/lists"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(
        lists,
        json!([{ "id": id, "title": "Pals", "replies_policy": "list", "exclusive": false }])
    );

    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &path,
            Some(&owner.token),
            &[("account_ids[]", &b_id)],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("{path}?account_ids[]={c_id}"),
            Some(&owner.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({})),
        "ids in the query string count too"
    );
    let (_, left) = json_of(app.get_with(&path, &owner.token).await).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], a_id.as_str());
    let (_, lists) = json_of(
        app.get_with(&format!("/api/v1/accounts/{b_id}/lists"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(lists, json!([]));
    assert_eq!(
        app.get_with("/api/v1/accounts/99999/lists", &owner.token)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn only_followed_accounts_can_be_listed() {
    let app = TestApp::spawn().await;
    let owner = app.member("quinn", "read write").await;
    let followed = app.member("fiona", "read").await;
    let stranger = app.member("sven", "read").await;
    follow(&app, &owner, &followed).await;
    follow(&app, &stranger, &owner).await;
    let id = create_list(&app, &owner, "Close").await;
    let path = format!("/api/v1/lists/{id}/accounts");
    let (followed_id, stranger_id) = (followed.account_id.to_string(), stranger.account_id.to_string());
    let (status, body) = json_of(
        app.post_form(
            &path,
            Some(&owner.token),
            &[("account_ids[]", &followed_id), ("account_ids[]", &stranger_id)],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            422,
            json!({ "error": "Validation failed: Account has not been followed" })
        )
    );
    assert_eq!(
        count(&app, "select count(*) from list_accounts").await,
        0,
        "all or nothing"
    );
    for ids in [vec!["99999"], vec!["abc"], vec![followed_id.as_str(), "99999"]] {
        let form: Vec<(&str, &str)> = ids.iter().map(|id| ("account_ids[]", *id)).collect();
        let (status, _) = json_of(app.post_form(&path, Some(&owner.token), &form).await).await;
        assert_eq!(status, 404, "{ids:?}");
    }
    let (status, _) = json_of(app.post_form(&path, Some(&owner.token), &[]).await).await;
    assert_eq!(status, 422, "no account_ids");
    assert_eq!(count(&app, "select count(*) from list_accounts").await, 0);
    let owner_id = owner.account_id.to_string();
    let (status, _) = json_of(
        app.post_form(&path, Some(&owner.token), &[("account_ids[]", &owner_id)])
            .await,
    )
    .await;
    assert_eq!(status, 200, "the owner may list itself, as in Mastodon");
}

#[tokio::test]
async fn unfollowing_takes_the_account_off_the_members_lists() {
    let app = TestApp::spawn().await;
    let owner = app.member("uma", "read write").await;
    let other = app.member("vic", "read write").await;
    let target = app.member("tess", "read").await;
    let kept = app.member("kim", "read").await;
    follow(&app, &owner, &target).await;
    follow(&app, &owner, &kept).await;
    follow(&app, &other, &target).await;
    let (target_id, kept_id) = (target.account_id.to_string(), kept.account_id.to_string());
    for list in ["One", "Two"] {
        let id = create_list(&app, &owner, list).await;
        let (status, _) = json_of(
            app.post_form(
                &format!("/api/v1/lists/{id}/accounts"),
                Some(&owner.token),
                &[("account_ids[]", &target_id), ("account_ids[]", &kept_id)],
            )
            .await,
        )
        .await;
        assert_eq!(status, 200);
    }
    let other_list = create_list(&app, &other, "Theirs").await;
    let (status, _) = json_of(
        app.post_form(
            &format!("/api/v1/lists/{other_list}/accounts"),
            Some(&other.token),
            &[("account_ids[]", &target_id)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);

    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("delete from follows where account_id = $1 and target_account_id = $2")
        .bind(owner.account_id)
        .bind(target.account_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    let removed = ferrodon::actions::lists::remove_unfollowed(&mut tx, owner.account_id, target.account_id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(removed, 2);

    let (_, lists) = json_of(
        app.get_with(&format!("/api/v1/accounts/{target_id}/lists"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(lists, json!([]));
    let (_, lists) = json_of(
        app.get_with(&format!("/api/v1/accounts/{kept_id}/lists"), &owner.token)
            .await,
    )
    .await;
    assert_eq!(lists.as_array().unwrap().len(), 2, "other accounts stay");
    let (_, lists) = json_of(
        app.get_with(&format!("/api/v1/accounts/{target_id}/lists"), &other.token)
            .await,
    )
    .await;
    assert_eq!(lists.as_array().unwrap().len(), 1, "other members' lists stay");
}
