//! `ferrodon domains`: the operator's domain rules, block-list files and subscriptions from the
//! command line. Runs in its own process; running servers learn of changes through NOTIFY and
//! their workers carry out the jobs queued here.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use ferrodon::actions::blocklist_import::{self, Outcome, Plan};
use ferrodon::actions::blocklist_subscriptions::{self, Recomputed, Refreshed, Report};
use ferrodon::actions::domain_blocks::{self, Created};
use ferrodon::app::AppState;
use ferrodon::config::Config;
use ferrodon::db::domain_blocks::{DomainBlock, NewDomainBlock};
use ferrodon::db::{self, Database};
use ferrodon::moderation::blocklist;
use ferrodon::moderation::domain_policy::Severity;

#[derive(Debug, Subcommand)]
pub enum DomainsCommand {
    /// Add a rule for a domain and its subdomains; on a domain that has one, set it as given.
    Block {
        domain: String,
        /// limit (= silence), silence, suspend or noop (flags only).
        #[arg(long, default_value = "suspend", value_parser = ["limit", "silence", "suspend", "noop"])]
        severity: String,
        #[arg(long)]
        reject_media: bool,
        #[arg(long)]
        reject_reports: bool,
        /// Shown to everyone where the list of moderated servers is public.
        #[arg(long, value_name = "TEXT")]
        public_comment: Option<String>,
        /// Seen by moderators only.
        #[arg(long, value_name = "TEXT")]
        private_comment: Option<String>,
        /// Mask the domain in the public list.
        #[arg(long)]
        obfuscate: bool,
    },
    /// Lift the rule for a domain (nothing a suspension purged comes back).
    Unblock { domain: String },
    /// Every rule, with where it came from.
    List,
    /// Import a block list (Mastodon CSV, plain list or Mastodon JSON); `-` reads stdin.
    Import {
        file: PathBuf,
        /// Print what would be added, upgraded and left alone, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write every rule as Mastodon's CSV (to stdout without a file).
    Export { file: Option<PathBuf> },
    /// Follow a block list at a URL (read now, then refreshed on a schedule).
    Subscribe {
        url: String,
        /// When lists disagree about a domain, the higher priority wins.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        priority: i32,
    },
    /// The subscribed lists: last refresh, error, entries.
    Subscriptions,
    /// Stop following a list; rules only it backed are retracted.
    Unsubscribe { url: String },
    /// Refresh every subscribed list now.
    Refresh,
}

/// Runs `command` against the configured database.
pub async fn run(config: Config, command: DomainsCommand) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = async {
        database.migrate().await?;
        let state = AppState::new(config, database.pool.clone())?;
        state.federation.policy.reload(&state.db).await?;
        dispatch(&state, command).await
    }
    .await;
    database.close().await?;
    result
}

async fn dispatch(state: &AppState, command: DomainsCommand) -> anyhow::Result<()> {
    match command {
        DomainsCommand::Block {
            domain,
            severity,
            reject_media,
            reject_reports,
            public_comment,
            private_comment,
            obfuscate,
        } => {
            let rule = NewDomainBlock {
                domain: domain_blocks::domain_for_rule(state, &domain)?,
                severity: Severity::parse(&severity).unwrap_or(Severity::Suspend),
                reject_media,
                reject_reports,
                private_comment,
                public_comment,
                obfuscate,
                source: "manual",
                source_urls: Vec::new(),
            };
            block(state, rule).await
        }
        DomainsCommand::Unblock { domain } => {
            let domain = domain_blocks::domain_for_rule(state, &domain)?;
            let Some(rule) = db::domain_blocks::find_by_domain(&state.db, &domain).await? else {
                match state.federation.policy.rule_for(&domain) {
                    Some((parent, _)) => {
                        bail!("{domain} has no rule of its own; it is covered by the rule for {parent}")
                    }
                    None => bail!("{domain} has no rule"),
                }
            };
            let removed = domain_blocks::remove(state, rule.id).await?;
            println!(
                "lifted the rule for {} (was {})",
                removed.domain,
                describe(&removed)
            );
            Ok(())
        }
        DomainsCommand::List => {
            print_rules(&db::domain_blocks::list(&state.db).await?);
            Ok(())
        }
        DomainsCommand::Import { file, dry_run } => import(state, &file, dry_run).await,
        DomainsCommand::Export { file } => {
            let csv = blocklist_import::export(state).await?;
            match file {
                Some(path) => {
                    std::fs::write(&path, &csv).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => std::io::stdout().write_all(&csv)?,
            }
            Ok(())
        }
        DomainsCommand::Subscribe { url, priority } => {
            let (report, recomputed) = blocklist_subscriptions::subscribe(state, &url, priority).await?;
            println!("subscribed to {} (priority {priority})", report.url);
            let failed = matches!(report.outcome, Refreshed::Failed(_));
            print_refresh(&[report], recomputed);
            if failed {
                bail!("subscribed, but the list could not be read now; it will be tried again");
            }
            Ok(())
        }
        DomainsCommand::Subscriptions => {
            let lists = db::blocklists::list_subscriptions(&state.db).await?;
            println!(
                "{:<60} {:>8} {:>8}  {:<20}  error",
                "url", "priority", "entries", "last refresh"
            );
            for list in lists {
                println!(
                    "{:<60} {:>8} {:>8}  {:<20}  {}",
                    list.url,
                    list.priority,
                    list.entries,
                    list.refreshed_at.map_or("never".to_owned(), |at| at
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()),
                    list.last_error.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        DomainsCommand::Unsubscribe { url } => {
            let (removed, recomputed) =
                blocklist_subscriptions::unsubscribe(state, &url)
                    .await
                    .map_err(|e| match e {
                        ferrodon::error::AppError::NotFound => anyhow::anyhow!("not subscribed to {url}"),
                        other => other.into(),
                    })?;
            println!("unsubscribed from {}", removed.url);
            print_recomputed(recomputed);
            Ok(())
        }
        DomainsCommand::Refresh => {
            let (reports, recomputed) = blocklist_subscriptions::refresh_all(state).await?;
            if reports.is_empty() {
                println!("no subscribed lists");
            }
            let failed = reports.iter().any(|r| matches!(r.outcome, Refreshed::Failed(_)));
            print_refresh(&reports, recomputed);
            if failed {
                bail!("some lists could not be refreshed (their previous entries stay in force)");
            }
            Ok(())
        }
    }
}

/// Adds the rule, or sets an existing rule for the same domain to exactly what was asked (the
/// operator typed it); a parent rule at least as strict makes it pointless: an error.
async fn block(state: &AppState, rule: NewDomainBlock) -> anyhow::Result<()> {
    match domain_blocks::create(state, rule.clone()).await? {
        Created::Added(added) => {
            println!("added {}: {}", added.domain, describe(&added));
            Ok(())
        }
        Created::Exists(existing) if existing.domain != rule.domain => {
            bail!(
                "{} is already covered by the rule for {}: {}",
                rule.domain,
                existing.domain,
                describe(&existing)
            )
        }
        Created::Exists(existing) => {
            let wanted = NewDomainBlock {
                private_comment: rule.private_comment.clone().or(existing.private_comment.clone()),
                public_comment: rule.public_comment.clone().or(existing.public_comment.clone()),
                ..rule
            };
            if existing.severity == wanted.severity.as_str()
                && existing.reject_media == wanted.reject_media
                && existing.reject_reports == wanted.reject_reports
                && existing.obfuscate == wanted.obfuscate
                && existing.public_comment == wanted.public_comment
                && existing.private_comment == wanted.private_comment
                && existing.source == "manual"
            {
                println!("unchanged {}: {}", existing.domain, describe(&existing));
                return Ok(());
            }
            let updated = domain_blocks::update(state, existing.id, wanted).await?;
            println!(
                "changed {}: {} (was {}, {})",
                updated.domain,
                describe(&updated),
                describe(&existing),
                existing.source
            );
            Ok(())
        }
    }
}

async fn import(state: &AppState, file: &PathBuf, dry_run: bool) -> anyhow::Result<()> {
    let bytes = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        bytes
    } else {
        std::fs::read(file).with_context(|| format!("reading {}", file.display()))?
    };
    let parsed = blocklist::parse(&bytes)?;
    for skipped in &parsed.skipped {
        eprintln!("line {}: skipped: {}", skipped.line, skipped.reason);
    }
    eprintln!(
        "read {} domains ({}), {} lines skipped ({} obfuscated)",
        parsed.entries.len(),
        parsed.format.as_str(),
        parsed.skipped.len(),
        parsed.obfuscated
    );
    if dry_run {
        let plan = blocklist_import::dry_run(state, &parsed.entries).await?;
        print_plan(&plan);
        println!("dry run: {}", summary(Outcome::from(&plan)));
        return Ok(());
    }
    let plan = blocklist_import::import(state, &parsed.entries, |done, total| {
        eprintln!("written {done} of {total} rules");
    })
    .await?;
    for domain in &plan.refused {
        eprintln!("refused {domain}: this server's own domain");
    }
    println!("imported: {}", summary(Outcome::from(&plan)));
    Ok(())
}

fn summary(outcome: Outcome) -> String {
    format!(
        "{} added, {} upgraded, {} adopted from subscriptions, {} left alone",
        outcome.added, outcome.upgraded, outcome.adopted, outcome.left_alone
    )
}

fn print_plan(plan: &Plan) {
    for rule in &plan.added {
        println!("add      {} {}", rule.domain, describe_new(rule));
    }
    for change in &plan.upgraded {
        println!(
            "upgrade  {} {} -> {}",
            change.after.domain,
            describe(&change.before),
            describe_new(&change.after)
        );
    }
    for change in &plan.adopted {
        println!(
            "adopt    {} {} (subscription -> import)",
            change.after.domain,
            describe(&change.before)
        );
    }
    for domain in &plan.refused {
        println!("refuse   {domain} (this server's own domain)");
    }
    for domain in &plan.covered {
        println!("covered  {domain} (a parent domain's rule is as strict)");
    }
    for left in &plan.left_alone {
        println!(
            "keep     {} (rule for {}: {})",
            left.entry.domain,
            left.existing.domain,
            describe(&left.existing)
        );
    }
}

fn flags(reject_media: bool, reject_reports: bool, obfuscate: bool) -> String {
    let mut words = Vec::new();
    if reject_media {
        words.push("reject_media");
    }
    if reject_reports {
        words.push("reject_reports");
    }
    if obfuscate {
        words.push("obfuscate");
    }
    words.join(",")
}

fn describe(rule: &DomainBlock) -> String {
    let flags = flags(rule.reject_media, rule.reject_reports, rule.obfuscate);
    if flags.is_empty() {
        rule.severity.clone()
    } else {
        format!("{} +{flags}", rule.severity)
    }
}

fn describe_new(rule: &NewDomainBlock) -> String {
    let flags = flags(rule.reject_media, rule.reject_reports, rule.obfuscate);
    if flags.is_empty() {
        rule.severity.as_str().to_owned()
    } else {
        format!("{} +{flags}", rule.severity.as_str())
    }
}

fn print_rules(rules: &[DomainBlock]) {
    println!(
        "{:<40} {:<8} {:<36} {:<14}  public comment",
        "domain", "severity", "flags", "source"
    );
    for rule in rules {
        let source = if rule.source == "subscription" {
            format!("subscription ({} lists)", rule.source_urls.len())
        } else {
            rule.source.clone()
        };
        println!(
            "{:<40} {:<8} {:<36} {:<14}  {}",
            rule.domain,
            rule.severity,
            flags(rule.reject_media, rule.reject_reports, rule.obfuscate),
            source,
            rule.public_comment.as_deref().unwrap_or("")
        );
    }
    println!("{} rules", rules.len());
}

fn print_refresh(reports: &[Report], recomputed: Recomputed) {
    for report in reports {
        match &report.outcome {
            Refreshed::Changed {
                format,
                entries,
                skipped,
            } => println!(
                "{}: {entries} entries ({}), {skipped} lines skipped",
                report.url,
                format.as_str()
            ),
            Refreshed::NotModified => println!("{}: not modified", report.url),
            Refreshed::Failed(error) => println!("{}: failed: {error}", report.url),
        }
    }
    print_recomputed(recomputed);
}

fn print_recomputed(recomputed: Recomputed) {
    println!(
        "subscription rules: {} added, {} changed, {} retracted",
        recomputed.added, recomputed.changed, recomputed.retracted
    );
}
