//! Accepting connections as a well-run server does: a cap on the connections one address holds
//! open, a deadline for each request's header, and an idle timeout on every connection, so slow
//! or silent clients cannot hold the server's sockets.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::{Service, ServiceExt};

use crate::config::Network;

/// What a connection may take.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Longest a client may take to send a request's header (slowloris).
    pub header_read: Duration,
    /// Longest a connection may pass with nothing read or written (a kept-alive connection
    /// between requests, a stalled body, a silent client). Streams must send more often.
    pub idle: Duration,
    /// Most connections one address may hold open at once (0: no cap).
    pub per_address: usize,
    /// Addresses without a cap (the reverse proxies everyone connects through).
    pub uncapped: Vec<Network>,
}

/// Open connections by address.
#[derive(Debug, Default)]
struct Counts(Mutex<HashMap<IpAddr, usize>>);

/// One open connection of an address; it is counted until dropped.
struct Held {
    counts: Arc<Counts>,
    address: IpAddr,
}

impl Counts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a new connection from `address`, unless it holds `max` already.
    fn hold(self: &Arc<Self>, address: IpAddr, max: usize) -> Option<Held> {
        let mut counts = self.lock();
        let open = counts.entry(address).or_insert(0);
        if max > 0 && *open >= max {
            return None;
        }
        *open += 1;
        Some(Held {
            counts: self.clone(),
            address,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.counts.lock();
        if let Some(open) = counts.get_mut(&self.address) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting and lets open
/// connections finish their requests. Returns when every connection has closed.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) where
    S: Service<Request, Response = axum::response::Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let counts = Arc::new(Counts::default());
    // Stopping: told to every connection task; each holds `open` until its connection ends.
    let (stopping, stop_signal) = tokio::sync::watch::channel(false);
    let (open, all_closed) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before it was taken:
                    // wait a moment rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let address = peer.ip();
        let max = if limits.uncapped.iter().any(|n| n.contains(address)) {
            0
        } else {
            limits.per_address
        };
        let Some(held) = counts.hold(address, max) else {
            tracing::debug!(%address, "too many connections from one address; closed");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Each request knows the peer's address, as axum's `ConnectInfo` extractor reads it.
        let service = TowerToHyperService::new(app.clone().map_request(
            move |request: Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let io = TokioIo::new(IdleTimeout::new(stream, limits.idle));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(io, service)
            .with_upgrades();
        let mut stop_signal = stop_signal.clone();
        let all_closed = all_closed.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::trace!(%error, "connection ended with an error");
                        }
                        break;
                    }
                    // Finish the request in progress, then close.
                    _ = stop_signal.wait_for(|stop| *stop), if !stopping => {
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(all_closed);
            drop(held);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(all_closed);
    open.closed().await;
}

/// A connection that fails once nothing was read or written for `idle`.
///
/// Reads and writes only note the time; the timer is moved when it fires early, not on every
/// read and write (moving a timer takes the timer wheel's lock, and a request makes several).
struct IdleTimeout {
    inner: TcpStream,
    idle: Duration,
    last_activity: tokio::time::Instant,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl IdleTimeout {
    fn new(inner: TcpStream, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            last_activity: tokio::time::Instant::now(),
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn touched(&mut self) {
        self.last_activity = tokio::time::Instant::now();
    }

    /// What a write answered, noting activity when bytes went out.
    fn after_write(
        &mut self,
        written: Poll<io::Result<usize>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(written)) => {
                if written > 0 {
                    self.touched();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => self.pending_or_expired(cx),
        }
    }

    /// Pending I/O: an error once `idle` passed since the last activity (the timer wakes the
    /// task then).
    fn pending_or_expired<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        while self.deadline.as_mut().poll(cx).is_ready() {
            let due = self.last_activity + self.idle;
            if due <= tokio::time::Instant::now() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the connection was idle too long",
                )));
            }
            self.deadline.as_mut().reset(due);
        }
        Poll::Pending
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.touched();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => this.pending_or_expired(cx),
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after_write(written, cx)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after_write(written, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_until_it_lets_go() {
        let counts = Arc::new(Counts::default());
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let first = counts.hold(address, 2).unwrap();
        let _second = counts.hold(address, 2).unwrap();
        assert!(counts.hold(address, 2).is_none());
        assert!(counts.hold("192.0.2.2".parse().unwrap(), 2).is_some());
        drop(first);
        assert!(counts.hold(address, 2).is_some());
        assert!(counts.hold(address, 0).is_some(), "0 is no cap");
    }
}
