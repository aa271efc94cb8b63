//! Reading the CSV files Mastodon exports (and ferrodon exports the same way) into import rows:
//! one row per line, each checked on its own, so that a bad line is reported, not fatal.

use serde_json::{Value, json};

use crate::db::imports::NewRow;

/// Most rows one import may hold (Mastodon's own limit for processing).
pub const MAX_ROWS: usize = 20_000;

/// What an import brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Following,
    Blocking,
    Muting,
    DomainBlocking,
    Bookmarks,
    Lists,
}

impl Kind {
    /// Reads the form's word (Mastodon's `type`).
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "following" => Self::Following,
            "blocking" => Self::Blocking,
            "muting" => Self::Muting,
            "domain_blocking" => Self::DomainBlocking,
            "bookmarks" => Self::Bookmarks,
            "lists" => Self::Lists,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Following => "following",
            Self::Blocking => "blocking",
            Self::Muting => "muting",
            Self::DomainBlocking => "domain_blocking",
            Self::Bookmarks => "bookmarks",
            Self::Lists => "lists",
        }
    }
}

/// Why a whole file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileProblem(pub String);

/// The first cell of the header lines Mastodon writes (a file may come without one).
const HEADERS: [&str; 2] = ["account address", "#domain"];

/// `user@domain` (a leading `@` or `acct:` dropped), or a local `user`.
fn handle(cell: &str) -> Result<String, String> {
    let handle = cell.trim().trim_start_matches("acct:").trim_start_matches('@');
    let (user, domain) = handle.split_once('@').unwrap_or((handle, ""));
    let user_ok = !user.is_empty() && user.chars().all(|c| c.is_alphanumeric() || "_.-".contains(c));
    let domain_ok = domain.is_empty()
        || (domain.contains('.') || domain.contains(':') || domain == "localhost")
            && !domain.contains(|c: char| c.is_whitespace() || "/@".contains(c));
    if user_ok && domain_ok {
        Ok(handle.to_owned())
    } else {
        Err(format!(
            "{:?} is not an account address (user@domain)",
            cell.trim()
        ))
    }
}

fn boolean(cell: Option<&str>, default: bool) -> Result<bool, String> {
    match cell
        .map(str::trim)
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "" => Ok(default),
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        other => Err(format!("{other:?} is neither true nor false")),
    }
}

/// One line's cells as a row of `kind`.
fn read_row(kind: Kind, cells: &[&str]) -> Result<Value, String> {
    let first = cells.first().copied().unwrap_or_default();
    Ok(match kind {
        Kind::Following => {
            let languages: Vec<String> = cells
                .get(3)
                .copied()
                .unwrap_or_default()
                .split([',', ' '])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            json!({
                "handle": handle(first)?,
                "show_reblogs": boolean(cells.get(1).copied(), true)?,
                "notify": boolean(cells.get(2).copied(), false)?,
                "languages": languages,
            })
        }
        Kind::Blocking => json!({ "handle": handle(first)? }),
        Kind::Muting => json!({
            "handle": handle(first)?,
            "hide_notifications": boolean(cells.get(1).copied(), true)?,
        }),
        Kind::DomainBlocking => {
            let domain = first.trim().trim_end_matches('.').to_ascii_lowercase();
            if domain.is_empty()
                || !domain.contains('.')
                || domain.contains(|c: char| c.is_whitespace() || "/@".contains(c))
            {
                return Err(format!("{:?} is not a domain name", first.trim()));
            }
            json!({ "domain": domain })
        }
        Kind::Bookmarks => {
            let url = first.trim();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("{url:?} is not the address of a post"));
            }
            json!({ "url": url })
        }
        Kind::Lists => {
            let title = first.trim();
            if title.is_empty() {
                return Err("the list has no name".into());
            }
            json!({ "list": title, "handle": handle(cells.get(1).copied().unwrap_or_default())? })
        }
    })
}

/// Reads a file into rows. A file that is not text, not CSV, empty or too long is refused as a
/// whole; a line that does not say what its kind needs becomes a failed row with the reason.
pub fn read(kind: Kind, bytes: &[u8]) -> Result<Vec<NewRow>, FileProblem> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FileProblem("The file is not text (UTF-8): export it again as CSV.".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err(FileProblem(
            "The file holds NUL characters: it is not a CSV file.".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            FileProblem(format!(
                "The file is not a CSV file this server can read: line {}: {e}",
                index + 1
            ))
        })?;
        let cells: Vec<&str> = record.iter().collect();
        let line = index as i32 + 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if index == 0 && HEADERS.contains(&cells[0].trim().to_ascii_lowercase().as_str()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(FileProblem(format!(
                "The file has more than {MAX_ROWS} rows: split it into smaller files."
            )));
        }
        rows.push(match read_row(kind, &cells) {
            Ok(data) => NewRow {
                line,
                data,
                error: None,
            },
            Err(error) => NewRow {
                line,
                data: json!({ "text": cells.join(",") }),
                error: Some(error),
            },
        });
    }
    if rows.is_empty() {
        return Err(FileProblem("The file has no rows to import.".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodons_following_file_is_read_with_its_header_and_options() {
        let file = "Account address,Show boosts,Notify on new posts,Languages\n\
                    alice@example.com,true,false,\n\
                    bob@example.org,false,true,\"en, fr\"\n\
                    not an address,true,false,\n";
        let rows = read(Kind::Following, file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].data["handle"], "alice@example.com");
        assert_eq!(rows[1].data["show_reblogs"], false);
        assert_eq!(rows[1].data["notify"], true);
        assert_eq!(rows[1].data["languages"], json!(["en", "fr"]));
        assert!(
            rows[2]
                .error
                .as_deref()
                .unwrap()
                .contains("not an account address")
        );
    }

    #[test]
    fn each_kind_reads_its_own_columns() {
        let rows = read(Kind::Lists, b"Friends,@alice@example.com\n,bob@example.org\n").unwrap();
        assert_eq!(
            rows[0].data,
            json!({"list": "Friends", "handle": "alice@example.com"})
        );
        assert!(rows[1].error.is_some());
        let rows = read(Kind::DomainBlocking, b"Spam.Example.\nnot a domain\n").unwrap();
        assert_eq!(rows[0].data["domain"], "spam.example");
        assert!(rows[1].error.is_some());
        let rows = read(
            Kind::Muting,
            b"Account address,Hide notifications\nx@y.test,false\n",
        )
        .unwrap();
        assert_eq!(rows[0].data["hide_notifications"], false);
        let rows = read(Kind::Bookmarks, b"https://a.test/statuses/1\nftp://nope\n").unwrap();
        assert_eq!(rows[0].data["url"], "https://a.test/statuses/1");
        assert!(rows[1].error.is_some());
    }

    #[test]
    fn unreadable_files_are_refused_whole() {
        assert!(read(Kind::Blocking, &[0xff, 0xfe, 0x00]).is_err());
        assert!(read(Kind::Blocking, b"\n\n").is_err());
        // An unclosed quote swallows the rest of the file into one cell: reported, not applied.
        let rows = read(Kind::Blocking, b"\"unterminated,quote\nx@y.test\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].error.is_some());
        let many = "a@b.test\n".repeat(MAX_ROWS + 1);
        let problem = read(Kind::Blocking, many.as_bytes()).unwrap_err();
        assert!(problem.0.contains("more than"), "{problem}");
    }
}
