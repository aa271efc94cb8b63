//! The admin page for domain rules: the list, adding, editing and removing a rule.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Refused, admin_form, not_found, parse_id, require_admin, shown_time};
use crate::actions;
use crate::actions::domain_blocks::Created;
use crate::app::AppState;
use crate::db;
use crate::db::domain_blocks::{DomainBlock, NewDomainBlock};
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::moderation::domain_name::{normalize, to_unicode};
use crate::moderation::domain_policy::Severity;
use crate::web::session::Browser;

const LIST_PATH: &str = "/admin/domain_blocks";

/// A rule as the table shows it.
struct RuleRow {
    id: i64,
    domain: String,
    severity: &'static str,
    flags: Vec<&'static str>,
    public_comment: String,
    private_comment: String,
    source: String,
    source_urls: Vec<String>,
    created_at: String,
}

impl RuleRow {
    fn of(rule: &DomainBlock) -> Self {
        let mut flags = Vec::new();
        if rule.reject_media {
            flags.push("reject media");
        }
        if rule.reject_reports {
            flags.push("reject reports");
        }
        if rule.obfuscate {
            flags.push("obfuscated");
        }
        Self {
            id: rule.id,
            domain: to_unicode(&rule.domain),
            severity: severity_label(Severity::parse(&rule.severity).unwrap_or_default()),
            flags,
            public_comment: rule.public_comment.clone().unwrap_or_default(),
            private_comment: rule.private_comment.clone().unwrap_or_default(),
            source: rule.source.clone(),
            source_urls: rule.source_urls.clone(),
            created_at: shown_time(rule.created_at),
        }
    }
}

/// A severity as the admin pages name it.
fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Noop => "None",
        Severity::Silence => "Limit",
        Severity::Suspend => "Suspend",
    }
}

/// The fields of the add and edit forms (also what is shown again after a refusal).
#[derive(Debug, Deserialize, Default)]
pub struct RuleForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    reject_media: bool,
    #[serde(default)]
    reject_reports: bool,
    #[serde(default)]
    public_comment: String,
    #[serde(default)]
    private_comment: String,
    #[serde(default)]
    obfuscate: bool,
}

impl RuleForm {
    /// A new form: Suspend preselected, as most rules an operator adds are.
    fn blank() -> Self {
        Self {
            severity: "suspend".into(),
            ..Self::default()
        }
    }

    fn of(rule: &DomainBlock) -> Self {
        Self {
            authenticity_token: String::new(),
            domain: to_unicode(&rule.domain),
            severity: rule.severity.clone(),
            reject_media: rule.reject_media,
            reject_reports: rule.reject_reports,
            public_comment: rule.public_comment.clone().unwrap_or_default(),
            private_comment: rule.private_comment.clone().unwrap_or_default(),
            obfuscate: rule.obfuscate,
        }
    }

    /// What the form asks for, for `domain` (already normalized), or why it cannot be.
    fn rule(
        &self,
        domain: String,
        source: &'static str,
        source_urls: Vec<String>,
    ) -> Result<NewDomainBlock, String> {
        let severity = Severity::parse(&self.severity).ok_or_else(|| {
            format!(
                "{:?} is not a severity: choose None, Limit or Suspend.",
                self.severity
            )
        })?;
        let comment = |text: &str| {
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_owned())
        };
        Ok(NewDomainBlock {
            domain,
            severity,
            reject_media: self.reject_media,
            reject_reports: self.reject_reports,
            private_comment: comment(&self.private_comment),
            public_comment: comment(&self.public_comment),
            obfuscate: self.obfuscate,
            source,
            source_urls,
        })
    }
}

/// A rule from the configuration file, read-only here.
struct ConfiguredRow {
    domain: String,
    severity: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_domain_blocks.html")]
struct DomainBlocksPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    rules: Vec<RuleRow>,
    configured: Vec<ConfiguredRow>,
    form: RuleForm,
    error: Option<String>,
    /// The id of the rule a refused duplicate collided with, to link to it.
    existing_id: Option<i64>,
}

async fn list_page(
    state: &AppState,
    browser: &Browser,
    form: RuleForm,
    error: Option<String>,
    existing_id: Option<i64>,
) -> Result<DomainBlocksPage, PageError> {
    let rows = db::domain_blocks::list(&state.db).await?;
    let configured = state
        .config
        .federation
        .configured_rules()
        .into_iter()
        .filter(|(domain, _)| !rows.iter().any(|row| &row.domain == domain))
        .map(|(domain, rule)| ConfiguredRow {
            domain: to_unicode(&domain),
            severity: severity_label(rule.severity),
        })
        .collect();
    Ok(DomainBlocksPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(browser),
        csrf_token: browser.csrf_token.clone(),
        current: "domain_blocks",
        rules: rows.iter().map(RuleRow::of).collect(),
        configured,
        form,
        error,
        existing_id,
    })
}

/// GET /admin/domain_blocks
pub async fn show_domain_blocks(
    State(state): State<AppState>,
    browser: Browser,
) -> Result<Response, Refused> {
    require_admin(&browser, LIST_PATH)?;
    let page = list_page(&state, &browser, RuleForm::blank(), None, None).await?;
    Ok((browser.jar, page).into_response())
}

/// POST /admin/domain_blocks
pub async fn create_domain_block(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<RuleForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, LIST_PATH)?;
    let (message, existing_id) = match wanted_rule(&state, &form) {
        Err(message) => (message, None),
        Ok(rule) => match actions::domain_blocks::create(&state, rule).await {
            Ok(Created::Added(_)) => return Ok(Redirect::to(LIST_PATH).into_response()),
            Ok(Created::Exists(existing)) => (duplicate(&existing, &form.domain), Some(existing.id)),
            Err(error @ (AppError::Invalid(_) | AppError::Validation { .. })) => (refusal(error), None),
            Err(error) => return Err(PageError::from(error).into()),
        },
    };
    let page = list_page(&state, &browser, form, Some(message), existing_id).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The new rule the form asks for, or why it cannot be one.
fn wanted_rule(state: &AppState, form: &RuleForm) -> Result<NewDomainBlock, String> {
    let domain = actions::domain_blocks::domain_for_rule(state, &form.domain).map_err(refusal)?;
    form.rule(domain, "manual", Vec::new())
}

/// What the page says when a rule for the domain, or a parent's as strict, exists already.
fn duplicate(existing: &DomainBlock, asked: &str) -> String {
    let same_domain = normalize(asked).as_deref() == Some(existing.domain.as_str());
    format!(
        "A rule for {} already exists ({}){}; edit it instead.",
        to_unicode(&existing.domain),
        severity_label(Severity::parse(&existing.severity).unwrap_or_default()),
        if same_domain {
            ""
        } else {
            " and covers this domain at least as strictly"
        },
    )
}

/// The sentence of a refusal, without the API's `Validation failed: ` prefix.
fn refusal(error: AppError) -> String {
    let text = error.public_message();
    let text = text.trim_start_matches("Validation failed: ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text.to_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_domain_block_edit.html")]
struct EditPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    id: i64,
    rule: RuleRow,
    form: RuleForm,
    error: Option<String>,
}

impl EditPage {
    fn new(
        state: &AppState,
        browser: &Browser,
        rule: &DomainBlock,
        form: RuleForm,
        error: Option<String>,
    ) -> Self {
        Self {
            title: state.config.title().to_owned(),
            nav: crate::web::nav::Nav::of(browser),
            csrf_token: browser.csrf_token.clone(),
            current: "domain_blocks",
            id: rule.id,
            rule: RuleRow::of(rule),
            form,
            error,
        }
    }
}

async fn find_rule(state: &AppState, id: &str) -> Result<DomainBlock, Refused> {
    db::domain_blocks::find(&state.db, parse_id(id)?)
        .await?
        .ok_or_else(not_found)
}

/// GET /admin/domain_blocks/{id}/edit
pub async fn edit_domain_block(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    require_admin(&browser, &format!("{LIST_PATH}/{id}/edit"))?;
    let rule = find_rule(&state, &id).await?;
    let page = EditPage::new(&state, &browser, &rule, RuleForm::of(&rule), None);
    Ok((browser.jar, page).into_response())
}

/// POST /admin/domain_blocks/{id}
///
/// A rule edited by hand becomes a manual rule (subscriptions no longer change or retract it);
/// the sources it came from stay on record.
pub async fn update_domain_block(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<RuleForm>,
) -> Result<Response, Refused> {
    admin_form(
        &browser,
        &form.authenticity_token,
        &format!("{LIST_PATH}/{id}/edit"),
    )?;
    let rule = find_rule(&state, &id).await?;
    let wanted = match form.rule(rule.domain.clone(), "manual", rule.source_urls.clone()) {
        Ok(wanted) => wanted,
        Err(message) => {
            let page = EditPage::new(&state, &browser, &rule, form, Some(message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match actions::domain_blocks::update(&state, rule.id, wanted).await {
        Ok(_) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}

/// Only the CSRF token.
#[derive(Debug, Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    pub authenticity_token: String,
}

/// POST /admin/domain_blocks/{id}/delete
pub async fn delete_domain_block(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<TokenForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, LIST_PATH)?;
    match actions::domain_blocks::remove(&state, parse_id(&id)?).await {
        Ok(_) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}
