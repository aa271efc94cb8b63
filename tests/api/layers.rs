//! The layer rules, read from the source: handlers (the client API, the pages and the federation
//! endpoints) write only through `actions`, so that a hook added there sees every change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;

fn source(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `module::function` for every function in `src/db` whose SQL inserts, updates or deletes.
fn writing_db_functions() -> BTreeSet<String> {
    let function = Regex::new(r"(?m)^pub (?:async )?fn ([a-z_0-9]+)").unwrap();
    let writes =
        Regex::new(r"(?is)\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+[a-z_]+(\s+[a-z_]+)?\s+set\b")
            .unwrap();
    let mut files = Vec::new();
    rust_files(&source("src/db"), &mut files);
    let mut writers = BTreeSet::new();
    for file in files {
        let module = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let starts: Vec<(usize, String)> = function
            .captures_iter(&text)
            .map(|c| (c.get(0).unwrap().start(), c[1].to_owned()))
            .collect();
        for (i, (start, name)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(text.len(), |next| next.0);
            if writes.is_match(&text[*start..end]) {
                writers.insert(format!("{module}::{name}"));
            }
        }
    }
    writers
}

#[test]
fn handlers_write_only_through_actions() {
    let writers = writing_db_functions();
    // The scan finds the writes it must: a sanity check on the reading of `src/db`.
    for known in [
        "statuses::delete",
        "notifications::delete",
        "conversations::mark_read",
    ] {
        assert!(writers.contains(known), "{known} not found among {writers:?}");
    }
    assert!(!writers.contains("statuses::find_visible"));

    let mut handlers = Vec::new();
    rust_files(&source("src/mastodon"), &mut handlers);
    rust_files(&source("src/web"), &mut handlers);
    for file in [
        "inbox.rs",
        "publish.rs",
        "collections.rs",
        "webfinger.rs",
        "discovery.rs",
    ] {
        handlers.push(source(&format!("src/federation/{file}")));
    }
    let call = Regex::new(r"db::([a-z_0-9]+)::([a-z_0-9]+)\s*\(").unwrap();
    let mut direct = Vec::new();
    for file in &handlers {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for found in call.captures_iter(line) {
                let name = format!("{}::{}", &found[1], &found[2]);
                if writers.contains(&name) {
                    let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(file);
                    direct.push(format!("{}:{}: db::{name}", shown.display(), number + 1));
                }
            }
        }
    }
    assert!(
        direct.is_empty(),
        "handlers write through db, not actions (move each write into an actions function):\n{}",
        direct.join("\n")
    );
}

#[test]
fn media_files_are_reached_only_through_the_media_store() {
    // The data directory is the configuration's, the embedded database's and the store's alone;
    // files are read and written by the store (and by the command line's own imports).
    let allowed_data_dir = [
        "app.rs",
        "main.rs",
        "config/mod.rs",
        "config/server.rs",
        "config/tests.rs",
        "db/mod.rs",
        "db/embedded.rs",
        "media/store.rs",
    ];
    let allowed_files = ["media/store.rs", "db/embedded.rs", "cli/domains.rs"];
    let mut files = Vec::new();
    rust_files(&source("src"), &mut files);
    let mut stray = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(source("src"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        if text.contains("data_dir") && !allowed_data_dir.contains(&relative.as_str()) {
            stray.push(format!("{relative}: data_dir"));
        }
        if (text.contains("tokio::fs") || text.contains("std::fs"))
            && !allowed_files.contains(&relative.as_str())
        {
            stray.push(format!("{relative}: file access"));
        }
    }
    assert!(
        stray.is_empty(),
        "media outside media::store:\n{}",
        stray.join("\n")
    );
}
