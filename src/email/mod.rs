//! Mail: notices rendered as plain text and HTML, queued in the durable job queue and sent over
//! SMTP by the worker (or written to the log when no SMTP server is configured).

pub mod notices;
mod send;

use askama::Template;
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

use crate::jobs::{self, Job};

pub use send::deliver;

/// A rendered mail, as the job queue keeps it until it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A link the reader is asked to follow.
#[derive(Debug, Clone)]
pub struct Action {
    pub label: String,
    pub url: String,
}

/// One notice: a heading, paragraphs, perhaps a link to follow and a closing line. Every mail
/// ferrodon sends is one, rendered by the same two templates.
#[derive(Debug, Clone)]
pub struct Notice {
    pub subject: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub action: Option<Action>,
    /// Why the reader got the mail, and what to do if it was not for them.
    pub footer: String,
}

#[derive(Template)]
#[template(path = "email/notice.txt", escape = "none")]
struct TextBody<'a> {
    notice: &'a Notice,
    instance: &'a str,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct HtmlBody<'a> {
    notice: &'a Notice,
    instance: &'a str,
}

impl Notice {
    /// The notice as a mail to `to`, from the instance titled `instance`.
    pub fn render(&self, to: &str, instance: &str) -> anyhow::Result<Mail> {
        Ok(Mail {
            to: to.to_owned(),
            subject: self.subject.clone(),
            text: TextBody {
                notice: self,
                instance,
            }
            .render()?,
            html: HtmlBody {
                notice: self,
                instance,
            }
            .render()?,
        })
    }
}

/// Queues a mail (inside the caller's transaction, so it goes only if the change it tells of is kept).
pub async fn queue(db: impl PgExecutor<'_>, mail: Mail) -> sqlx::Result<()> {
    jobs::enqueue(db, &Job::Email { mail }, chrono::Utc::now()).await
}
