//! Prometheus metrics: counters and histograms kept in memory, gauges read at scrape time.
//!
//! Hand-written (about what a registry crate would give us here): a handful of labelled
//! counters and three histograms, each behind one short-held mutex. Gauges that live in the
//! database (queue depth, oldest pending delivery, unavailable hosts) are read when scraped, so
//! every process reports the same numbers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::db;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// Everything counted in this process.
#[derive(Debug, Default)]
struct Registry {
    /// (metric, label pairs rendered) -> value.
    counters: BTreeMap<(&'static str, String), u64>,
    histograms: BTreeMap<(&'static str, String), Histogram>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}=\"{}\"",
                v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " ")
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn count(metric: &'static str, pairs: &[(&str, &str)]) {
    if let Ok(mut registry) = registry().lock() {
        *registry.counters.entry((metric, labels(pairs))).or_default() += 1;
    }
}

fn observe(metric: &'static str, pairs: &[(&str, &str)], took: Duration) {
    if let Ok(mut registry) = registry().lock() {
        registry
            .histograms
            .entry((metric, labels(pairs)))
            .or_default()
            .observe(took.as_secs_f64());
    }
}

/// An inbox request answered: `accepted`, or the reason it was refused.
pub fn inbox_request(outcome: &str) {
    count("ferrodon_inbox_requests_total", &[("outcome", outcome)]);
}

/// A delivery attempt finished: `delivered`, `retry`, `failed` (permanent) or `gone`; `took` from
/// enqueue to the remote's answer when delivered.
pub fn delivery(result: &str, since_enqueued: Option<Duration>) {
    count("ferrodon_deliveries_total", &[("result", result)]);
    if let Some(took) = since_enqueued {
        observe("ferrodon_delivery_latency_seconds", &[], took);
    }
}

/// Times every HTTP request by its route pattern (never the raw path: ids would explode the
/// label set).
pub async fn time_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    observe(
        "ferrodon_http_request_duration_seconds",
        &[("route", &route), ("method", &method), ("status", &status)],
        started.elapsed(),
    );
    response
}

/// GET /metrics
pub async fn get_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = &state.config.metrics.token;
    if token.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::secrets::constant_time_eq(presented, token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut text = render_registry();
    let _ = writeln!(text, "# TYPE ferrodon_streaming_connections gauge");
    for (kind, open) in state.streaming.open_by_kind() {
        let _ = writeln!(text, "ferrodon_streaming_connections{{kind=\"{kind}\"}} {open}");
    }
    match (
        db::deliveries::totals(&state.db).await,
        db::jobs::queue_gauges(&state.db).await,
    ) {
        (Ok(totals), Ok(gauges)) => {
            let lines = [
                ("ferrodon_delivery_queue_depth", totals.pending as f64),
                ("ferrodon_delivery_due", totals.due as f64),
                ("ferrodon_delivery_failed", totals.failed as f64),
                (
                    "ferrodon_delivery_oldest_pending_seconds",
                    totals.oldest_pending_seconds.unwrap_or(0.0),
                ),
                (
                    "ferrodon_delivery_unavailable_hosts",
                    gauges.unavailable_hosts as f64,
                ),
                ("ferrodon_job_queue_depth", gauges.jobs_pending as f64),
                // As this process last counted it for its inbox's bound.
                (
                    "ferrodon_inbox_backlog",
                    state.federation.inbox_limits.waiting() as f64,
                ),
            ];
            for (metric, value) in lines {
                let _ = writeln!(text, "# TYPE {metric} gauge\n{metric} {value}");
            }
        }
        (Err(error), _) | (_, Err(error)) => {
            tracing::warn!(%error, "metrics: queue gauges could not be read")
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

fn render_registry() -> String {
    let mut text = String::new();
    let Ok(registry) = registry().lock() else {
        return text;
    };
    let mut last = "";
    for ((metric, labels), value) in &registry.counters {
        if *metric != last {
            let _ = writeln!(text, "# TYPE {metric} counter");
            last = metric;
        }
        let _ = writeln!(text, "{metric}{{{labels}}} {value}");
    }
    last = "";
    for ((metric, labels), histogram) in &registry.histograms {
        if *metric != last {
            let _ = writeln!(text, "# TYPE {metric} histogram");
            last = metric;
        }
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
            let _ = writeln!(text, "{metric}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            text,
            "{metric}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            histogram.count
        );
        let _ = writeln!(text, "{metric}_sum{{{labels}}} {}", histogram.sum);
        let _ = writeln!(text, "{metric}_count{{{labels}}} {}", histogram.count);
    }
    text
}

/// A streaming event sent to one subscription (`update`, `notification`, ...).
pub fn streaming_event(event: &str) {
    count("ferrodon_streaming_events_total", &[("event", event)]);
}

/// A streaming connection closed by the server: `slow` (its buffer overflowed), `revoked` (its
/// token no longer works) or `lagged` (this process fell behind the change log).
pub fn streaming_drop(reason: &str) {
    count("ferrodon_streaming_disconnects_total", &[("reason", reason)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_count_into_every_bucket_at_or_above_the_value() {
        let mut histogram = Histogram::default();
        histogram.observe(0.02);
        histogram.observe(3.0);
        assert_eq!(histogram.counts[0], 0);
        assert_eq!(histogram.counts[2], 1); // 0.025
        assert_eq!(histogram.counts[9], 2); // 5.0
        assert_eq!(histogram.count, 2);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(labels(&[("route", "a\"b\\c")]), "route=\"a\\\"b\\\\c\"");
    }
}
