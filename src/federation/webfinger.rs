//! WebFinger (RFC 7033): `acct:NAME@DOMAIN`, an actor or profile URL -> the actor's links.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::publish::{plausible_username, public_account};
use super::urls::{self, LocalObject};
use crate::app::AppState;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::media::profile_images;

/// The media type of a JSON Resource Descriptor.
const JRD: &str = "application/jrd+json; charset=utf-8";

/// Who a resource names on this instance.
#[derive(Debug, PartialEq, Eq)]
enum Subject {
    Account(String),
    InstanceActor,
}

/// GET /.well-known/webfinger
pub async fn get_webfinger(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let mut response = match webfinger(&state, query.as_deref()).await {
        Ok(jrd) => ([(header::CONTENT_TYPE, JRD)], jrd.to_string()).into_response(),
        Err(error) => error.into_response(),
    };
    // Browsers' clients (web apps on other origins) look people up too.
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

async fn webfinger(state: &AppState, query: Option<&str>) -> AppResult<Value> {
    let resource = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "resource")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| AppError::BadRequest("The resource parameter is missing".into()))?;
    let base = &state.base_url;
    let domain = &state.config.server.domain;
    match subject_of(base, domain, &resource).ok_or(AppError::NotFound)? {
        Subject::InstanceActor => Ok(instance_jrd(base, domain)),
        Subject::Account(name) => {
            let account = public_account(state, &name).await?;
            Ok(account_jrd(base, domain, &account))
        }
    }
}

/// What a resource names here: `acct:NAME@DOMAIN` (or without `acct:`, or with a leading `@`),
/// our domain as a name for the instance actor, or the URL of a local actor or profile.
fn subject_of(base: &str, domain: &str, resource: &str) -> Option<Subject> {
    if resource.starts_with("https://") || resource.starts_with("http://") {
        return match urls::local_object(base, resource)? {
            LocalObject::Actor { username } => Some(Subject::Account(username)),
            LocalObject::InstanceActor => Some(Subject::InstanceActor),
            LocalObject::Status { .. } => None,
        };
    }
    let acct = resource
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("acct:"))
        .map_or(resource, |_| &resource[5..]);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (name, host) = acct.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    if name.eq_ignore_ascii_case(domain) {
        return Some(Subject::InstanceActor);
    }
    plausible_username(name).then(|| Subject::Account(name.to_owned()))
}

fn subscribe_link(base: &str) -> Value {
    json!({
        "rel": "http://ostatus.org/schema/1.0/subscribe",
        "template": format!("{base}/authorize_interaction?uri={{uri}}"),
    })
}

fn account_jrd(base: &str, domain: &str, account: &Account) -> Value {
    let username = &account.username;
    let avatar = profile_images::avatar_url(base, account);
    let actor = urls::actor(base, username);
    let profile = urls::profile(base, username);
    json!({
        "subject": format!("acct:{username}@{domain}"),
        "aliases": [profile, actor],
        "links": [
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile },
            { "rel": "self", "type": "application/activity+json", "href": actor },
            subscribe_link(base),
            {
                "rel": "http://webfinger.net/rel/avatar",
                "type": account.avatar_file.as_deref().map_or("image/png", profile_images::content_type),
                "href": avatar,
            },
        ],
    })
}

fn instance_jrd(base: &str, domain: &str) -> Value {
    let actor = urls::instance_actor(base);
    json!({
        "subject": format!("acct:{domain}@{domain}"),
        "aliases": [actor],
        "links": [
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": urls::about(base) },
            { "rel": "self", "type": "application/activity+json", "href": actor },
            subscribe_link(base),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://ferro.test";
    const DOMAIN: &str = "ferro.test";

    #[test]
    fn resources_name_accounts_in_every_accepted_form() {
        let alice = Some(Subject::Account("alice".into()));
        for resource in [
            "acct:alice@ferro.test",
            "ACCT:alice@FERRO.test",
            "alice@ferro.test",
            "acct:@alice@ferro.test",
            "https://ferro.test/users/alice",
            "https://ferro.test/@alice",
        ] {
            assert_eq!(subject_of(BASE, DOMAIN, resource), alice, "{resource}");
        }
        assert_eq!(
            subject_of(BASE, DOMAIN, "acct:ferro.test@ferro.test"),
            Some(Subject::InstanceActor)
        );
        assert_eq!(
            subject_of(BASE, DOMAIN, "https://ferro.test/actor"),
            Some(Subject::InstanceActor)
        );
        for other in [
            "acct:alice@other.test",
            "acct:alice",
            "acct:@ferro.test",
            "https://other.test/users/alice",
            "https://ferro.test/users/alice/statuses/1",
            "mailto:alice@ferro.test",
        ] {
            assert_eq!(subject_of(BASE, DOMAIN, other), None, "{other}");
        }
    }
}
