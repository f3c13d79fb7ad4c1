//! [`LinkProxy`]: a hall's network link to HQ, as a TCP forwarder that can be cut and restored.
//!
//! The chain demo puts one between a hall's hub and a NATS node to show a hall going offline
//! and catching up; the fault tests use it to cut a link for part of a day. It is test
//! equipment standing for a WAN line, not part of a hall or of HQ: cutting it closes every open
//! connection through it and refuses new ones, as a line that went down would; slowing it holds
//! each chunk back, as a congested line would.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::HqError;

/// A TCP forwarder on a loopback port to `target`. Dropping it stops it.
#[derive(Debug)]
pub struct LinkProxy {
    addr: SocketAddr,
    cut: watch::Sender<bool>,
    delay_ms: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl LinkProxy {
    /// Listens on a free loopback port and forwards each connection to `target`.
    pub async fn start(target: SocketAddr) -> Result<Self, HqError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|source| HqError::Io {
                path: PathBuf::from("127.0.0.1:0"),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| HqError::Io {
            path: PathBuf::from("127.0.0.1:0"),
            source,
        })?;
        let (cut, is_cut) = watch::channel(false);
        let delay_ms = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(accept(listener, target, is_cut, Arc::clone(&delay_ms)));
        Ok(Self {
            addr,
            cut,
            delay_ms,
            task,
        })
    }

    /// Where the hall connects instead of `target`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The link goes down: open connections are closed, new ones are closed at once.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// The link comes back.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }

    /// Each chunk through the link waits `ms` milliseconds from now on (0: none).
    pub fn slow(&self, ms: u64) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Whether the link is cut now.
    pub fn is_cut(&self) -> bool {
        *self.cut.borrow()
    }
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.cut.send_replace(true);
        self.task.abort();
    }
}

async fn accept(
    listener: TcpListener,
    target: SocketAddr,
    is_cut: watch::Receiver<bool>,
    delay_ms: Arc<AtomicU64>,
) {
    loop {
        let Ok((inbound, _)) = listener.accept().await else {
            continue;
        };
        if *is_cut.borrow() {
            // A line that is down: the connection ends before a byte goes through.
            drop(inbound);
            continue;
        }
        tokio::spawn(forward(
            inbound,
            target,
            is_cut.clone(),
            Arc::clone(&delay_ms),
        ));
    }
}

async fn forward(
    inbound: TcpStream,
    target: SocketAddr,
    mut is_cut: watch::Receiver<bool>,
    delay_ms: Arc<AtomicU64>,
) {
    let Ok(outbound) = TcpStream::connect(target).await else {
        return;
    };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let (ri, wi) = inbound.into_split();
    let (ro, wo) = outbound.into_split();
    // Either side closing, or the cut, ends the connection both ways.
    tokio::select! {
        () = pipe(ri, wo, Arc::clone(&delay_ms)) => {}
        () = pipe(ro, wi, delay_ms) => {}
        _ = is_cut.wait_for(|cut| *cut) => {}
    }
}

async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay_ms: Arc<AtomicU64>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let ms = delay_ms.load(Ordering::SeqCst);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server, the proxy before it: bytes go through until the cut, none during it,
    /// and again after the restore.
    #[tokio::test]
    async fn a_cut_link_closes_its_connections_and_refuses_new_ones_until_restored() {
        let echo = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let target = echo.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = echo.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut buf = [0u8; 64];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let proxy = LinkProxy::start(target).await.unwrap();
        let roundtrip = |addr| async move {
            let mut s = TcpStream::connect(addr).await.ok()?;
            s.write_all(b"ping").await.ok()?;
            let mut buf = [0u8; 4];
            tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut buf))
                .await
                .ok()?
                .ok()?;
            Some(buf)
        };
        assert_eq!(roundtrip(proxy.addr()).await, Some(*b"ping"));

        let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
        open.write_all(b"x").await.unwrap();
        let mut one = [0u8; 1];
        open.read_exact(&mut one).await.unwrap();
        proxy.cut();
        assert!(proxy.is_cut());
        let mut rest = Vec::new();
        let n = tokio::time::timeout(Duration::from_secs(5), open.read_to_end(&mut rest))
            .await
            .expect("the open connection is closed at the cut")
            .unwrap_or(0);
        assert_eq!(n, 0, "nothing more comes through a cut link");
        assert_eq!(roundtrip(proxy.addr()).await, None, "new connections fail");

        proxy.restore();
        assert_eq!(roundtrip(proxy.addr()).await, Some(*b"ping"));
    }
}
