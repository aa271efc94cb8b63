//! A real SMTP server on loopback for the suite: speaks enough RFC 5321 for an SMTP client
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message, and can be told to refuse
//! recipients for good (550) or for now (451).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

/// How the sink answers `RCPT TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Accept,
    RefuseForGood,
    RefuseForNow,
}

/// The running sink.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    mood: Arc<Mutex<Mood>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = Self {
            port,
            messages: Arc::default(),
            mood: Arc::new(Mutex::new(Mood::Accept)),
        };
        let serving = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = serving.clone();
                tokio::spawn(async move {
                    let _ = sink.converse(stream).await;
                });
            }
        });
        sink
    }

    /// The configuration that sends mail here (plain SMTP on loopback).
    pub fn configure(&self, config: &mut ferrodon::config::Config) {
        config.email.host = "127.0.0.1".into();
        config.email.port = self.port;
        config.email.tls = ferrodon::config::EmailTls::None;
        config.email.from = "Test Server <notifications@example.com>".into();
    }

    pub fn set_mood(&self, mood: Mood) {
        *self.mood.lock().unwrap() = mood;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    async fn converse(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        loop {
            let mut line = String::new();
            if tokio::time::timeout(Duration::from_secs(30), lines.read_line(&mut line))
                .await
                .is_err()
                || line.is_empty()
            {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                b"250 ok\r\n"
            } else if upper.starts_with("RSET") {
                from.clear();
                to.clear();
                b"250 ok\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address_in(&command);
                b"250 ok\r\n"
            } else if upper.starts_with("RCPT TO:") {
                let mood = *self.mood.lock().unwrap();
                match mood {
                    Mood::Accept => {
                        to.push(address_in(&command));
                        b"250 ok\r\n"
                    }
                    Mood::RefuseForGood => b"550 5.1.1 no such mailbox\r\n",
                    Mood::RefuseForNow => b"451 4.3.0 try again later\r\n",
                }
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut raw = String::new();
                loop {
                    let mut data = String::new();
                    if lines.read_line(&mut data).await? == 0 {
                        return Ok(());
                    }
                    if data == ".\r\n" || data == ".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2).
                    raw.push_str(data.strip_prefix('.').unwrap_or(&data));
                }
                self.messages.lock().unwrap().push(Received {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    raw,
                });
                b"250 queued\r\n"
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

fn address_in(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command.rfind('>').unwrap_or(command.len());
    command[start..end].to_owned()
}

impl Received {
    /// A header's (first) value, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }

    /// The decoded body of the part with this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        for part in self.raw.split("\r\n--") {
            let Some((head, body)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let head_lower = head.to_ascii_lowercase();
            if !head_lower.contains(&format!("content-type: {content_type}")) {
                continue;
            }
            // The part ends where the next boundary line begins (already split off).
            let body = body.trim_end_matches("\r\n");
            return Some(
                if head_lower.contains("content-transfer-encoding: quoted-printable") {
                    decode_quoted_printable(body)
                } else if head_lower.contains("content-transfer-encoding: base64") {
                    let joined: String = body.split_whitespace().collect();
                    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).ok()?).ok()?
                } else {
                    body.replace("\r\n", "\n")
                },
            );
        }
        None
    }

    /// The plain-text body.
    pub fn text(&self) -> String {
        self.part("text/plain")
            .unwrap_or_else(|| panic!("no text/plain part in {}", self.raw))
    }

    /// The first link in the plain-text body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let text = self.text();
        let start = text
            .find(prefix)
            .unwrap_or_else(|| panic!("no link {prefix} in {text}"));
        text[start..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap()
            .to_owned()
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}
