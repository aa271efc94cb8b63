//! `AppError`: the errors a client can act on, rendered as Mastodon's `{"error": ...}` JSON.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The media type of every JSON answer, errors included.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: the record does not exist or the client may not see it.
    #[error("Record not found")]
    NotFound,
    /// 400: the request could not be read (malformed body, missing parameter).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: valid credentials, not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 410: it existed here and was deleted for good (a member's account).
    #[error("Gone")]
    Gone,
    /// 405: the path exists, the method does not.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is over the limit.
    #[error("Request entity too large")]
    TooLarge,
    /// 422: well-formed but invalid (`Validation failed: ...`).
    #[error("{0}")]
    Invalid(String),
    /// 422 naming the field at fault, with Mastodon's `details` (`ERR_TAKEN`, ...).
    #[error("Validation failed: {description}")]
    Validation {
        field: &'static str,
        code: &'static str,
        description: String,
    },
    /// An OAuth error (RFC 6749 §5.2): 400, or 401 for `invalid_client`.
    #[error("{code}: {description}")]
    OAuth { code: &'static str, description: String },
    /// 429: slow down; retry after this many seconds (`limit` attempts per window).
    #[error("Too many requests")]
    RateLimited { retry_after_secs: u64, limit: u32 },
    /// 500: the database failed; the cause is logged, not shown.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// 500: anything else that is our fault; the cause is logged, not shown.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Gone => StatusCode::GONE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Invalid(_) | AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::OAuth {
                code: "invalid_client",
                ..
            } => StatusCode::UNAUTHORIZED,
            AppError::OAuth { .. } => StatusCode::BAD_REQUEST,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client sees: our own words for our faults, never their cause.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Database(_) | AppError::Internal(_) => {
                "We're sorry, but something went wrong on our end.".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = match &self {
            AppError::OAuth { code, description } => {
                serde_json::json!({ "error": code, "error_description": description })
            }
            AppError::Validation {
                field,
                code,
                description,
            } => serde_json::json!({
                "error": self.public_message(),
                "details": { *field: [{ "error": code, "description": description }] },
            }),
            _ => serde_json::json!({ "error": self.public_message() }),
        }
        .to_string();
        let mut response = (status, [(header::CONTENT_TYPE, JSON_UTF8)], body).into_response();
        if let AppError::RateLimited {
            retry_after_secs,
            limit,
        } = self
        {
            let reset = chrono::Utc::now() + chrono::Duration::seconds(retry_after_secs as i64);
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
            if let Ok(value) = HeaderValue::from_str(&reset.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()) {
                headers.insert("x-ratelimit-reset", value);
            }
        }
        response
    }
}

/// Result of a handler or action.
pub type AppResult<T> = Result<T, AppError>;

/// An error shown to a person in a browser: a page with a status and one sentence.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    /// A page error with this status and sentence.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        let status = error.status();
        if status.is_server_error() {
            tracing::error!(error = %error, "page failed");
        }
        Self::new(status, error.public_message())
    }
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        crate::web::error_page(self.status, &self.message)
    }
}
