//! Block list files: reading Mastodon's CSV export, plain domain lists and Mastodon's public JSON
//! (told apart by their content), and writing Mastodon's CSV.

use std::collections::HashMap;

use serde::Deserialize;

use super::domain_name::normalize;
use super::domain_policy::Severity;

/// The header Mastodon writes on (and expects of) a domain block export.
pub const CSV_HEADER: [&str; 6] = [
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
];

/// The severity of an entry that does not say (a plain list, a CSV without that column).
pub const DEFAULT_SEVERITY: Severity = Severity::Suspend;

/// One domain a list names, and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalized.
    pub domain: String,
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

impl Entry {
    fn new(domain: String) -> Self {
        Self {
            domain,
            severity: DEFAULT_SEVERITY,
            reject_media: false,
            reject_reports: false,
            public_comment: None,
            obfuscate: false,
        }
    }

    /// How hard the entry bears: severity, then the flags (to pick the strictest of several).
    pub fn strength(&self) -> (Severity, bool, bool) {
        (self.severity, self.reject_media, self.reject_reports)
    }
}

/// Which kind of file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Mastodon's CSV export (`#domain,#severity,...`), or any CSV naming a `domain` column.
    MastodonCsv,
    /// One domain per line, `#` comments.
    PlainList,
    /// Mastodon's `/api/v1/instance/domain_blocks` answer.
    MastodonJson,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::MastodonCsv => "Mastodon CSV",
            Format::PlainList => "plain list",
            Format::MastodonJson => "Mastodon JSON",
        }
    }
}

/// A line (for JSON: an entry, counted from 1) that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

/// What a list says, with what of it could not be used.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    /// One per domain, in the order of first mention (a domain named twice keeps the strictest).
    pub entries: Vec<Entry>,
    pub skipped: Vec<Skipped>,
    /// Entries whose domain the list masks with `*` (they name no domain we could match).
    pub obfuscated: usize,
}

/// Why a file is not a block list at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("this looks like an HTML page, not a block list")]
    Html,
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("invalid CSV: {0}")]
    Csv(String),
    #[error("the CSV header has no domain column")]
    NoDomainColumn,
    #[error("no line names a usable domain ({0} skipped)")]
    NothingUsable(usize),
}

/// Reads a block list of any supported format, recognized by its content: JSON when it starts
/// with `[`, CSV when its first line is a header naming `domain` or holds a comma, else a plain
/// list. A byte-order mark and invalid UTF-8 are tolerated. An empty file is an empty list.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first_line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let mut parsed = if first_line.starts_with('[') || first_line.starts_with('{') {
        parse_json(text)?
    } else if first_line.starts_with('<') {
        return Err(ParseError::Html);
    } else if is_csv_header(first_line) || (first_line.contains(',') && !first_line.starts_with('#')) {
        parse_csv(text)?
    } else {
        parse_plain(text)
    };
    if parsed.entries.is_empty() && !parsed.skipped.is_empty() {
        return Err(ParseError::NothingUsable(parsed.skipped.len()));
    }
    parsed.entries = merge_duplicates(std::mem::take(&mut parsed.entries));
    Ok(parsed)
}

/// A header line: a cell (maybe quoted, maybe with Mastodon's `#`) reads `domain`.
fn is_csv_header(line: &str) -> bool {
    line.split(',').any(is_domain_column)
}

fn is_domain_column(cell: &str) -> bool {
    let name = cell.trim().trim_matches('"').trim_start_matches('#');
    name.eq_ignore_ascii_case("domain")
}

/// A domain cell's normal form, or why it cannot be used (and whether it is masked).
fn domain_from(cell: &str) -> Result<String, (String, bool)> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(("no domain".into(), false));
    }
    if cell.trim_start_matches("*.").contains('*') {
        return Err((format!("{cell:?} is obfuscated"), true));
    }
    match normalize(cell) {
        Some(domain)
            if domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') =>
        {
            Ok(domain)
        }
        _ => Err((format!("{cell:?} is not a domain name"), false)),
    }
}

fn parse_plain(text: &str) -> Parsed {
    let mut parsed = Parsed {
        format: Format::PlainList,
        entries: Vec::new(),
        skipped: Vec::new(),
        obfuscated: 0,
    };
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        match domain_from(content) {
            Ok(domain) => parsed.entries.push(Entry::new(domain)),
            Err((reason, masked)) => {
                parsed.obfuscated += usize::from(masked);
                parsed.skipped.push(Skipped {
                    line: index + 1,
                    reason,
                });
            }
        }
    }
    parsed
}

/// Where each known column is in a CSV.
#[derive(Debug, Default)]
struct Columns {
    domain: usize,
    severity: Option<usize>,
    reject_media: Option<usize>,
    reject_reports: Option<usize>,
    public_comment: Option<usize>,
    obfuscate: Option<usize>,
}

impl Columns {
    /// Mastodon's order, for a CSV without a header.
    fn positional() -> Self {
        Self {
            domain: 0,
            severity: Some(1),
            reject_media: Some(2),
            reject_reports: Some(3),
            public_comment: Some(4),
            obfuscate: Some(5),
        }
    }

    fn from_header(header: &csv::StringRecord) -> Result<Self, ParseError> {
        let find = |name: &str| {
            header
                .iter()
                .position(|cell| cell.trim().trim_start_matches('#').eq_ignore_ascii_case(name))
        };
        Ok(Self {
            domain: find("domain").ok_or(ParseError::NoDomainColumn)?,
            severity: find("severity"),
            reject_media: find("reject_media"),
            reject_reports: find("reject_reports"),
            public_comment: find("public_comment").or_else(|| find("comment")),
            obfuscate: find("obfuscate"),
        })
    }
}

fn parse_csv(text: &str) -> Result<Parsed, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut parsed = Parsed {
        format: Format::MastodonCsv,
        entries: Vec::new(),
        skipped: Vec::new(),
        obfuscated: 0,
    };
    let mut columns = None;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            // A malformed line (bad UTF-8 cannot happen: the text is already a str).
            Err(error) => return Err(ParseError::Csv(error.to_string())),
        }
        let line = record.position().map_or(line, |p| p.line() as usize);
        if columns.is_none() {
            if record.iter().any(is_domain_column) {
                columns = Some(Columns::from_header(&record)?);
                continue;
            }
            columns = Some(Columns::positional());
        }
        let Some(columns) = columns.as_ref() else {
            continue;
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        match csv_entry(&record, columns) {
            Ok(entry) => parsed.entries.push(entry),
            Err((reason, masked)) => {
                parsed.obfuscated += usize::from(masked);
                parsed.skipped.push(Skipped { line, reason });
            }
        }
    }
    Ok(parsed)
}

fn csv_entry(record: &csv::StringRecord, columns: &Columns) -> Result<Entry, (String, bool)> {
    let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or_default();
    let mut entry = Entry::new(domain_from(cell(Some(columns.domain)))?);
    let severity = cell(columns.severity);
    if !severity.is_empty() {
        entry.severity =
            Severity::parse(severity).ok_or_else(|| (format!("unknown severity {severity:?}"), false))?;
    }
    let flag = |index: Option<usize>, name: &str| match cell(index).to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "f" => Ok(false),
        "true" | "1" | "yes" | "t" => Ok(true),
        other => Err((format!("{name} is not true or false: {other:?}"), false)),
    };
    entry.reject_media = flag(columns.reject_media, "reject_media")?;
    entry.reject_reports = flag(columns.reject_reports, "reject_reports")?;
    entry.obfuscate = flag(columns.obfuscate, "obfuscate")?;
    let comment = cell(columns.public_comment);
    entry.public_comment = (!comment.is_empty()).then(|| comment.to_owned());
    Ok(entry)
}

/// An entry of Mastodon's public list of moderated servers.
#[derive(Debug, Deserialize)]
struct JsonEntry {
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

fn parse_json(text: &str) -> Result<Parsed, ParseError> {
    let items: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(other) => {
            let error = other.get("error").and_then(serde_json::Value::as_str);
            return Err(ParseError::Json(match error {
                Some(error) => format!("the server answered an error: {error}"),
                None => "expected an array of domain blocks".into(),
            }));
        }
        Err(error) => return Err(ParseError::Json(error.to_string())),
    };
    let mut parsed = Parsed {
        format: Format::MastodonJson,
        entries: Vec::new(),
        skipped: Vec::new(),
        obfuscated: 0,
    };
    for (index, item) in items.into_iter().enumerate() {
        let line = index + 1;
        let item: JsonEntry = match serde_json::from_value(item) {
            Ok(item) => item,
            Err(error) => {
                parsed.skipped.push(Skipped {
                    line,
                    reason: format!("not a domain block: {error}"),
                });
                continue;
            }
        };
        let result = domain_from(item.domain.as_deref().unwrap_or_default()).and_then(|domain| {
            let mut entry = Entry::new(domain);
            if let Some(word) = item.severity.as_deref().filter(|w| !w.is_empty()) {
                entry.severity =
                    Severity::parse(word).ok_or_else(|| (format!("unknown severity {word:?}"), false))?;
            }
            entry.public_comment = item.comment.filter(|c| !c.trim().is_empty());
            Ok(entry)
        });
        match result {
            Ok(entry) => parsed.entries.push(entry),
            Err((reason, masked)) => {
                parsed.obfuscated += usize::from(masked);
                parsed.skipped.push(Skipped { line, reason });
            }
        }
    }
    Ok(parsed)
}

/// One entry per domain, the strictest where a list names a domain twice (flags combined, the
/// first comment kept), in the order of first mention.
fn merge_duplicates(entries: Vec<Entry>) -> Vec<Entry> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    let mut merged: Vec<Entry> = Vec::with_capacity(entries.len());
    for entry in entries {
        match index.get(&entry.domain) {
            Some(&at) => {
                let kept = &mut merged[at];
                kept.severity = kept.severity.max(entry.severity);
                kept.reject_media |= entry.reject_media;
                kept.reject_reports |= entry.reject_reports;
                kept.obfuscate |= entry.obfuscate;
                if kept.public_comment.is_none() {
                    kept.public_comment = entry.public_comment;
                }
            }
            None => {
                index.insert(entry.domain.clone(), merged.len());
                merged.push(entry);
            }
        }
    }
    merged
}

/// Writes `entries` as Mastodon's CSV export, header first.
pub fn write_csv<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing into memory cannot fail.
    let _ = writer.write_record(CSV_HEADER);
    for entry in entries {
        let _ = writer.write_record([
            entry.domain.as_str(),
            entry.severity.as_str(),
            bool_word(entry.reject_media),
            bool_word(entry.reject_reports),
            entry.public_comment.as_deref().unwrap_or_default(),
            bool_word(entry.obfuscate),
        ]);
    }
    writer.into_inner().unwrap_or_default()
}

fn bool_word(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(parsed: &Parsed) -> Vec<&str> {
        parsed.entries.iter().map(|e| e.domain.as_str()).collect()
    }

    #[test]
    fn mastodon_csv_export_is_read_with_every_column() {
        let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                   evil.test,suspend,false,false,\"Spam, harassment\",false\n\
                   EXAMPLE.test.,silence,true,true,,true\n\
                   noisy.test,noop,true,false,\"He said \"\"hi\"\"\",false\n";
        let parsed = parse(csv.as_bytes()).unwrap();
        assert_eq!(parsed.format, Format::MastodonCsv);
        assert_eq!(domains(&parsed), ["evil.test", "example.test", "noisy.test"]);
        assert_eq!(parsed.entries[0].severity, Severity::Suspend);
        assert_eq!(
            parsed.entries[0].public_comment.as_deref(),
            Some("Spam, harassment")
        );
        let limited = &parsed.entries[1];
        assert_eq!(limited.severity, Severity::Silence);
        assert!(limited.reject_media && limited.reject_reports && limited.obfuscate);
        assert_eq!(limited.public_comment, None);
        assert_eq!(
            parsed.entries[2].public_comment.as_deref(),
            Some("He said \"hi\"")
        );
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn csv_headers_without_hashes_in_any_order_with_missing_and_extra_columns_are_read() {
        let csv = "severity,domain,extra\nsilence,a.test,x\n,b.test\nsuspend\n";
        let parsed = parse(csv.as_bytes()).unwrap();
        assert_eq!(domains(&parsed), ["a.test", "b.test"]);
        assert_eq!(parsed.entries[0].severity, Severity::Silence);
        assert_eq!(parsed.entries[1].severity, DEFAULT_SEVERITY);
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!(parsed.skipped[0].line, 4);
    }

    #[test]
    fn unusable_csv_rows_are_reported_by_line_and_the_rest_is_kept() {
        let csv = "#domain,#severity,#reject_media\nok.test,suspend,false\nbad test,suspend,false\n\
                   x.test,obliterate,false\ny.test,silence,perhaps\nev*l.test,suspend,false\n";
        let parsed = parse(csv.as_bytes()).unwrap();
        assert_eq!(domains(&parsed), ["ok.test"]);
        let lines: Vec<usize> = parsed.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(parsed.skipped[1].reason.contains("severity"));
        assert_eq!(parsed.obfuscated, 1);
    }

    #[test]
    fn a_csv_without_a_header_is_read_in_mastodons_column_order() {
        let parsed = parse(b"evil.test,silence,true\nother.test,suspend\n").unwrap();
        assert_eq!(parsed.format, Format::MastodonCsv);
        assert_eq!(parsed.entries[0].severity, Severity::Silence);
        assert!(parsed.entries[0].reject_media);
    }

    #[test]
    fn plain_lists_take_comments_blank_lines_and_any_spelling() {
        let list =
            "\u{feff}# my list\n\nevil.test\n  *.Spam.Test.  # wildcard\nbücher.example\nnot a domain\n";
        let parsed = parse(list.as_bytes()).unwrap();
        assert_eq!(parsed.format, Format::PlainList);
        assert_eq!(
            domains(&parsed),
            ["evil.test", "spam.test", "xn--bcher-kva.example"]
        );
        assert!(parsed.entries.iter().all(|e| e.severity == DEFAULT_SEVERITY));
        assert_eq!(
            parsed.skipped,
            [Skipped {
                line: 6,
                reason: "\"not a domain\" is not a domain name".into()
            }]
        );
    }

    #[test]
    fn mastodon_public_json_is_read_and_obfuscated_entries_are_counted() {
        let json = r#"[
            {"domain": "evil.test", "digest": "abc", "severity": "suspend", "comment": "spam"},
            {"domain": "li*ited.test", "digest": "def", "severity": "silence", "comment": ""},
            {"domain": "quiet.test", "digest": "123", "severity": "silence", "comment": null},
            {"nothing": true},
            "junk"
        ]"#;
        let parsed = parse(json.as_bytes()).unwrap();
        assert_eq!(parsed.format, Format::MastodonJson);
        assert_eq!(domains(&parsed), ["evil.test", "quiet.test"]);
        assert_eq!(parsed.entries[0].public_comment.as_deref(), Some("spam"));
        assert_eq!(parsed.entries[1].severity, Severity::Silence);
        assert_eq!(parsed.obfuscated, 1);
        let lines: Vec<usize> = parsed.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 4, 5]);
    }

    #[test]
    fn files_that_are_not_lists_are_refused_without_panicking() {
        assert_eq!(
            parse(b"<!doctype html><html></html>").unwrap_err(),
            ParseError::Html
        );
        assert!(matches!(parse(b"[1, 2"), Err(ParseError::Json(_))));
        assert!(matches!(
            parse(br#"{"error": "This method requires an authenticated user"}"#),
            Err(ParseError::Json(e)) if e.contains("authenticated")
        ));
        assert!(matches!(
            parse(b"no way\nnot this either\n"),
            Err(ParseError::NothingUsable(2))
        ));
        for junk in [
            &b"\xff\xfe\x00"[..],
            b"a,\"unterminated\nb,c",
            b",,,,",
            b"#",
            b"\"",
            b"[]",
            b"",
        ] {
            let _ = parse(junk);
        }
        assert!(parse(b"").unwrap().entries.is_empty());
    }

    #[test]
    fn a_domain_named_twice_keeps_the_strictest() {
        let parsed =
            parse(b"domain,severity,reject_media\na.test,suspend,false\na.test,silence,true\n").unwrap();
        assert_eq!(parsed.entries.len(), 1);
        assert_eq!(parsed.entries[0].severity, Severity::Suspend);
        assert!(parsed.entries[0].reject_media);
    }

    #[test]
    fn written_csv_reads_back_the_same() {
        let entries = vec![
            Entry {
                domain: "evil.test".into(),
                severity: Severity::Suspend,
                reject_media: true,
                reject_reports: false,
                public_comment: Some("a, \"quoted\"\ncomment".into()),
                obfuscate: true,
            },
            Entry::new("xn--bcher-kva.example".into()),
        ];
        let written = write_csv(&entries);
        assert!(
            written
                .starts_with(b"#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n")
        );
        let parsed = parse(&written).unwrap();
        assert_eq!(parsed.entries, entries);
    }
}
