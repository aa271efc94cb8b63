//! The `email` job: one rendered mail, sent through the configured SMTP server.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Mail;
use crate::app::AppState;
use crate::config::{Config, EmailTls};
use crate::jobs::JobError;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends a mail; with no SMTP server configured, logs it (links included, so an operator
/// without mail can still help a member by hand). A refusal the server calls permanent (a
/// 5xx reply, an unusable address) gives the job up; anything else is retried.
pub async fn deliver(state: &AppState, mail: &Mail) -> Result<(), JobError> {
    let config = &state.config;
    if !config.email.sends() {
        tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.text, "mail not sent: no email.host configured");
        return Ok(());
    }
    let message = message(config, mail).map_err(|e| JobError::Permanent(e.to_string()))?;
    let transport = transport(config).map_err(|e| JobError::Transient(anyhow::Error::from(e).into()))?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(error) if error.is_permanent() => {
            Err(JobError::Permanent(format!("the mail server refused: {error}")))
        }
        Err(error) => Err(JobError::Transient(
            anyhow::anyhow!("the mail server could not be reached: {error}").into(),
        )),
    }
}

/// The sender: `email.from`, or `notifications@<domain>` under the instance's title.
fn sender(config: &Config) -> anyhow::Result<Mailbox> {
    if !config.email.from.is_empty() {
        return Ok(config.email.from.parse()?);
    }
    let host = config.server.domain.split(':').next().unwrap_or_default();
    Ok(Mailbox::new(
        Some(config.title().to_owned()),
        format!("notifications@{host}").parse()?,
    ))
}

fn message(config: &Config, mail: &Mail) -> anyhow::Result<Message> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| anyhow::anyhow!("{:?} is not an address: {e}", mail.to))?;
    Ok(Message::builder()
        .from(sender(config)?)
        .to(to)
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))?)
}

fn transport(config: &Config) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let email = &config.email;
    let builder = match email.tls {
        EmailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&email.host),
        EmailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&email.host)?,
        EmailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&email.host)?,
    };
    let builder = builder.port(email.port).timeout(Some(SMTP_TIMEOUT));
    let builder = if email.username.is_empty() {
        builder
    } else {
        builder.credentials(Credentials::new(email.username.clone(), email.password.clone()))
    };
    Ok(builder.build())
}
