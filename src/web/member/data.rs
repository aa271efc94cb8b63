//! The member's data: exports in Mastodon's CSV formats, and imports of such files (from here or
//! from another server) with their progress and a report of each row that failed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{Member, PageParamsWithFiles};
use crate::actions;
use crate::actions::import_files::Kind;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::File;
use crate::web::nav::Nav;

/// Largest file an import takes.
const MAX_FILE: usize = 5 * 1024 * 1024;

/// The data routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/export", get(show_export))
        .route("/settings/exports/{file}", get(export_file))
        .route(
            "/settings/import",
            get(show_import)
                .post(start_import)
                .layer(DefaultBodyLimit::max(MAX_FILE + 64 * 1024)),
        )
        .route("/settings/imports/{id}", get(show_report))
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_export.html")]
struct ExportPage {
    nav: Nav,
    counts: Vec<(&'static str, &'static str, usize)>,
}

/// GET /settings/export
pub async fn show_export(State(state): State<AppState>, member: Member) -> Result<Response, PageError> {
    let (me, domain) = (member.account_id(), &state.config.server.domain);
    let pool = &state.db;
    let counts = vec![
        (
            "Follows",
            "follows.csv",
            db::exports::follows(pool, me, domain).await?.len(),
        ),
        (
            "Lists",
            "lists.csv",
            db::exports::list_members(pool, me, domain).await?.len(),
        ),
        (
            "Muted accounts",
            "mutes.csv",
            db::exports::mutes(pool, me, domain).await?.len(),
        ),
        (
            "Blocked accounts",
            "blocks.csv",
            db::exports::blocks(pool, me, domain).await?.len(),
        ),
        (
            "Blocked domains",
            "domain_blocks.csv",
            db::exports::domain_blocks(pool, me).await?.len(),
        ),
        (
            "Bookmarks",
            "bookmarks.csv",
            db::exports::bookmarks(pool, me).await?.len(),
        ),
    ];
    let page = ExportPage {
        nav: member.nav(),
        counts,
    };
    Ok((member.browser.jar, page).into_response())
}

fn csv_of(rows: Vec<Vec<String>>) -> Result<Vec<u8>, PageError> {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(&row)
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    writer
        .into_inner()
        .map_err(|e| PageError::from(AppError::Internal(anyhow::anyhow!("{e}"))))
}

/// GET /settings/exports/{follows,lists,mutes,blocks,domain_blocks,bookmarks}.csv, as Mastodon
/// writes them (headers only where Mastodon has them).
pub async fn export_file(
    State(state): State<AppState>,
    member: Member,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let (me, domain) = (member.account_id(), &state.config.server.domain);
    let pool = &state.db;
    let yes = |b: bool| b.to_string();
    let rows: Vec<Vec<String>> = match file.as_str() {
        "follows.csv" => std::iter::once(vec![
            "Account address".into(),
            "Show boosts".into(),
            "Notify on new posts".into(),
            "Languages".into(),
        ])
        .chain(
            db::exports::follows(pool, me, domain)
                .await?
                .into_iter()
                .map(|f| {
                    vec![
                        f.handle,
                        yes(f.show_reblogs),
                        yes(f.notify),
                        f.languages.unwrap_or_default().join(", "),
                    ]
                }),
        )
        .collect(),
        "lists.csv" => db::exports::list_members(pool, me, domain)
            .await?
            .into_iter()
            .map(|m| vec![m.title, m.handle])
            .collect(),
        "mutes.csv" => std::iter::once(vec!["Account address".into(), "Hide notifications".into()])
            .chain(
                db::exports::mutes(pool, me, domain)
                    .await?
                    .into_iter()
                    .map(|m| vec![m.handle, yes(m.hide_notifications)]),
            )
            .collect(),
        "blocks.csv" => db::exports::blocks(pool, me, domain)
            .await?
            .into_iter()
            .map(|b| vec![b.handle])
            .collect(),
        "domain_blocks.csv" => db::exports::domain_blocks(pool, me)
            .await?
            .into_iter()
            .map(|d| vec![d])
            .collect(),
        "bookmarks.csv" => db::exports::bookmarks(pool, me)
            .await?
            .iter()
            .map(|b| vec![actions::imports::bookmark_url(&state, b)])
            .collect(),
        _ => return Err(PageError::new(StatusCode::NOT_FOUND, "There is no such export.")),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        csv_of(rows)?,
    )
        .into_response())
}

/// An import as the page lists it.
struct ImportLine {
    id: i64,
    kind: String,
    mode: &'static str,
    created_at: String,
    total: i32,
    processed: i32,
    failed: i32,
    finished: bool,
}

impl From<db::imports::Import> for ImportLine {
    fn from(import: db::imports::Import) -> Self {
        Self {
            id: import.id,
            kind: import.kind.replace('_', " "),
            mode: if import.overwrite { "overwrite" } else { "merge" },
            created_at: import.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            total: import.total_rows,
            processed: import.processed_rows,
            failed: import.failed_rows,
            finished: import.finished_at.is_some(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_import.html")]
struct ImportPage {
    nav: Nav,
    csrf_token: String,
    imports: Vec<ImportLine>,
    error: Option<String>,
}

async fn import_page(
    state: &AppState,
    member: &Member,
    error: Option<String>,
) -> Result<ImportPage, PageError> {
    Ok(ImportPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        imports: db::imports::list_for(&state.db, member.account_id())
            .await?
            .into_iter()
            .map(ImportLine::from)
            .collect(),
        error,
    })
}

/// GET /settings/import
pub async fn show_import(State(state): State<AppState>, member: Member) -> Result<Response, PageError> {
    let page = import_page(&state, &member, None).await?;
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ImportForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default, rename = "type")]
    kind: String,
    /// `merge` (add to what is there) or `overwrite` (and undo what the file does not name).
    #[serde(default)]
    mode: String,
}

/// POST /settings/import (multipart: `type`, `mode`, `data`)
pub async fn start_import(
    State(state): State<AppState>,
    member: Member,
    PageParamsWithFiles(form, mut files): PageParamsWithFiles<ImportForm, MAX_FILE>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let (state, member) = (&state, &member);
    let refuse = |status: StatusCode, message: String| async move {
        let page = import_page(state, member, Some(message)).await?;
        Ok::<_, PageError>((status, page).into_response())
    };
    let Some(kind) = Kind::parse(&form.kind) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose what the file holds.".into(),
        )
        .await;
    };
    let overwrite = match form.mode.as_str() {
        "" | "merge" => false,
        "overwrite" => true,
        _ => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose merge or overwrite.".into(),
            )
            .await;
        }
    };
    let bytes = match files.take("data") {
        Some(File::Bytes(bytes)) => bytes,
        Some(File::TooLarge) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The file is larger than {} MB.", MAX_FILE / 1024 / 1024),
            )
            .await;
        }
        None => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose a file to import.".into(),
            )
            .await;
        }
    };
    match actions::imports::create(state, member.account_id(), kind, overwrite, "", &bytes).await? {
        Ok(id) => Ok(Redirect::to(&format!("/settings/imports/{id}")).into_response()),
        Err(problem) => refuse(StatusCode::UNPROCESSABLE_ENTITY, problem.0).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_import_report.html")]
struct ReportPage {
    nav: Nav,
    import: ImportLine,
    failures: Vec<(i32, String, String)>,
}

/// GET /settings/imports/{id}: progress, and each failed row with its reason.
pub async fn show_report(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let not_found = || PageError::new(StatusCode::NOT_FOUND, "There is no such import.");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let import = db::imports::find(&state.db, id)
        .await?
        .filter(|i| i.account_id == member.account_id())
        .ok_or_else(not_found)?;
    let failures = db::imports::failed_rows(&state.db, id)
        .await?
        .into_iter()
        .map(|row| {
            let shown = ["handle", "domain", "url", "text"]
                .iter()
                .find_map(|key| row.data.get(*key).and_then(|v| v.as_str()))
                .unwrap_or_default()
                .to_owned();
            (row.line, shown, row.error)
        })
        .collect();
    let page = ReportPage {
        nav: member.nav(),
        import: import.into(),
        failures,
    };
    Ok((member.browser.jar, page).into_response())
}
