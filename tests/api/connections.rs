//! Slow and greedy clients: a header sent a line at a time, a body that stops, and more
//! connections from one address than its share are all cut off, while ordinary requests work.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::TestApp;

async fn short_limits() -> TestApp {
    TestApp::spawn_with(|c| {
        c.server.header_timeout_seconds = 2;
        c.server.idle_timeout_seconds = 2;
        c.server.max_connections_per_address = 3;
    })
    .await
}

fn address(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `limit` passes); returns what was read and
/// whether it closed.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut read = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&read).into_owned(), true),
            Ok(Ok(n)) => read.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&read).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn a_header_sent_a_line_at_a_time_is_cut_off() {
    let app = short_limits().await;
    let mut stream = TcpStream::connect(address(&app)).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut cut_off = false;
    for n in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if stream
            .write_all(format!("X-Slow-{n}: y\r\n").as_bytes())
            .await
            .is_err()
        {
            cut_off = true;
            break;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "still open after {:?}", started.elapsed());
    assert!(started.elapsed() >= Duration::from_secs(1), "not cut off at once");
}

#[tokio::test]
async fn a_silent_connection_and_a_stalled_body_are_closed() {
    let app = short_limits().await;
    // Nothing sent at all.
    let mut silent = TcpStream::connect(address(&app)).await.unwrap();
    let (_, closed) = until_closed(&mut silent, Duration::from_secs(15)).await;
    assert!(closed, "a silent connection stays open");

    // A body that stops halfway.
    let mut stalled = TcpStream::connect(address(&app)).await.unwrap();
    stalled
        .write_all(
            b"POST /api/v1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nclient_name=",
        )
        .await
        .unwrap();
    let (_, closed) = until_closed(&mut stalled, Duration::from_secs(15)).await;
    assert!(closed, "a stalled body holds its connection");

    // An ordinary request on a kept-alive connection still works.
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn one_address_holds_only_its_share_of_connections() {
    let app = short_limits().await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(address(&app)).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    // The fourth is closed without an answer; the three are still served.
    let mut extra = TcpStream::connect(address(&app)).await.unwrap();
    let (answer, closed) = until_closed(&mut extra, Duration::from_secs(1)).await;
    assert!(closed && answer.is_empty(), "{answer}");
    let first = &mut held[0];
    first.write_all(b"Connection: close\r\n\r\n").await.unwrap();
    let (answer, _) = until_closed(first, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Once one closed, the address may connect again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
}
