//! The federation policy's hot path and its bulk path. Prints a figure a line:
//! - policy checks per second on one core against 50,000 rules, over a mix of hosts (misses,
//!   exact hits, subdomain hits, and spellings that need normalizing: case, trailing dot, port,
//!   Unicode), overall and per kind; target at least 1,000,000/s;
//! - importing a generated 20,000-row Mastodon CSV into a database holding 2,000 rules (a tenth
//!   of the file names them: half raise them, half leave them alone): parse, dry run, and the real
//!   import with its jobs queued; target under 10 s.
//!
//! Medians of several runs. `scripts/bench domain_policy`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use ferrodon::actions::blocklist_import;
use ferrodon::app::AppState;
use ferrodon::config::Config;
use ferrodon::moderation::blocklist;
use ferrodon::moderation::domain_policy::{DomainPolicy, Rule, RuleSet, Severity};

const RULES: usize = 50_000;
const HOSTS: usize = 100_000;
const CHECK_RUN: Duration = Duration::from_millis(1500);
const RUNS: usize = 5;
const IMPORT_ROWS: usize = 20_000;
const SEEDED: usize = 2_000;

/// A small deterministic generator (no dependency for a benchmark's dice).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TLDS: &[&str] = &["social", "com", "net", "org", "de", "fr", "online", "xyz", "test"];

fn rule_domain(index: usize) -> String {
    format!("node{index}.example{}.{}", index % 97, TLDS[index % TLDS.len()])
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    policy_checks();
    import().await;
}

fn policy_checks() {
    let mut config = Config::default();
    config.server.domain = "ours.test".into();
    let policy = DomainPolicy::new(&config);
    let severities = [Severity::Suspend, Severity::Silence, Severity::Noop];
    policy.replace(RuleSet::new(
        (0..RULES).map(|i| {
            (
                rule_domain(i),
                Rule {
                    severity: severities[i % 3],
                    reject_media: i % 5 == 0,
                    reject_reports: false,
                },
            )
        }),
        Vec::new(),
    ));
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    // (kind, share in percent): most traffic comes from hosts no rule names, in normal form.
    let kinds: [(&str, usize); 6] = [
        ("miss", 50),
        ("exact_hit", 15),
        ("subdomain_hit", 15),
        ("uppercase_trailing_dot", 10),
        ("with_port", 5),
        ("unicode", 5),
    ];
    let host = |kind: &str, dice: &mut Dice| -> String {
        let ruled = rule_domain(dice.below(RULES));
        match kind {
            "miss" => format!(
                "inst{}.fedi{}.{}",
                dice.below(1_000_000),
                dice.below(50),
                TLDS[dice.below(TLDS.len())]
            ),
            "exact_hit" => ruled,
            "subdomain_hit" => format!("media.{ruled}"),
            "uppercase_trailing_dot" => format!("{}.", ruled.to_ascii_uppercase()),
            "with_port" => format!("{ruled}:443"),
            _ => format!("bücher{}.example", dice.below(1000)),
        }
    };
    let mut mixed = Vec::with_capacity(HOSTS);
    for (kind, share) in kinds {
        for _ in 0..HOSTS * share / 100 {
            mixed.push(host(kind, &mut dice));
        }
    }
    // Shuffle so the branch predictor sees traffic, not sorted runs.
    for i in (1..mixed.len()).rev() {
        let j = dice.below(i + 1);
        mixed.swap(i, j);
    }
    let rate = |hosts: &[String]| -> f64 {
        let mut rates = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            let mut checks = 0u64;
            let mut suspended = 0u64;
            while started.elapsed() < CHECK_RUN {
                for host in hosts {
                    suspended += u64::from(policy.check(std::hint::black_box(host)).is_suspended());
                }
                checks += hosts.len() as u64;
            }
            std::hint::black_box(suspended);
            rates.push(checks as f64 / started.elapsed().as_secs_f64());
        }
        median(rates)
    };
    println!(
        "domain_policy_checks_per_s threads=1 rules={RULES} mix=realistic {:.0}",
        rate(&mixed)
    );
    for (kind, _) in kinds {
        let hosts: Vec<String> = (0..10_000).map(|_| host(kind, &mut dice)).collect();
        println!(
            "domain_policy_checks_per_s threads=1 rules={RULES} kind={kind} {:.0}",
            rate(&hosts)
        );
    }
}

fn import_file(rows: usize) -> Vec<u8> {
    let mut csv =
        String::from("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n");
    for i in 0..rows {
        // The first tenth names the seeded rules (seeded as silence): even rows raise them.
        let severity = if (i < SEEDED && i % 2 == 1) || i % 4 == 0 {
            "silence"
        } else {
            "suspend"
        };
        csv.push_str(&format!(
            "{},{severity},{},false,\"imported, row {i}\",false\n",
            rule_domain(i),
            i % 7 == 0
        ));
    }
    csv.into_bytes()
}

async fn import() {
    let support::BenchDatabase { dir, cluster, url } = support::start_database("ferrodon-policy-").await;
    let mut config = Config::default();
    config.database.url = url.clone();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let state = AppState::new(config, pool.clone()).unwrap();
    let file = import_file(IMPORT_ROWS);
    let seed = blocklist::parse(&import_file(SEEDED)).unwrap();
    let seed: Vec<blocklist::Entry> = seed
        .entries
        .into_iter()
        .map(|mut e| {
            e.severity = Severity::Silence;
            e.reject_media = false;
            e
        })
        .collect();
    let (mut parses, mut dry_runs, mut imports) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..RUNS {
        sqlx::query("truncate domain_blocks, jobs")
            .execute(&pool)
            .await
            .unwrap();
        blocklist_import::import(&state, &seed, |_, _| {}).await.unwrap();

        let started = Instant::now();
        let parsed = blocklist::parse(&file).unwrap();
        parses.push(started.elapsed().as_secs_f64());

        let started = Instant::now();
        let parsed_again = blocklist::parse(&file).unwrap();
        let plan = blocklist_import::dry_run(&state, &parsed_again.entries)
            .await
            .unwrap();
        dry_runs.push(started.elapsed().as_secs_f64());

        let started = Instant::now();
        let done = blocklist_import::import(&state, &parsed.entries, |_, _| {})
            .await
            .unwrap();
        imports.push(started.elapsed().as_secs_f64());
        assert_eq!(
            blocklist_import::Outcome::from(&plan),
            blocklist_import::Outcome::from(&done),
            "the dry run is exact"
        );
        last = Some(blocklist_import::Outcome::from(&done));
    }
    let outcome = last.unwrap();
    println!("blocklist_parse_seconds rows={IMPORT_ROWS} {:.3}", median(parses));
    println!(
        "blocklist_dry_run_seconds rows={IMPORT_ROWS} existing={SEEDED} (parse + plan) {:.3}",
        median(dry_runs)
    );
    println!(
        "blocklist_import_seconds rows={IMPORT_ROWS} existing={SEEDED} (plan + write + jobs) {:.3} \
         ({} added, {} upgraded, {} left alone)",
        median(imports),
        outcome.added,
        outcome.upgraded,
        outcome.left_alone
    );
    pool.close().await;
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}
