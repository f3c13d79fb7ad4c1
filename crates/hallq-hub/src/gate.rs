//! The gate in front of the embedded broker's listeners: a connection gets in only once it has
//! sent a whole MQTT CONNECT packet, within [`GateLimits::handshake`] of its accept (over TLS the
//! TLS handshake included), and one address holds at most [`GateLimits::per_address`] connections
//! at once on each listener.
//!
//! rmqtt 0.24 reads a new connection's first packet with no time limit (its `handshake_timeout`
//! starts only once the protocol version is read, and its TLS listener's only covers the TLS
//! handshake): a socket that connects, plain or TLS, and sends nothing holds a task and a file
//! descriptor for good, and some ten thousand of them lock every device out until the process's
//! descriptor limit frees. rmqtt's listener cannot be given sockets from outside, so the gate
//! owns the hall's ports and hands each connection, its CONNECT already read, to rmqtt's plain
//! listener on a loopback port. On the TLS port the gate ends TLS itself (rustls on ring): only
//! there can it see the CONNECT, which travels inside the tunnel.
//!
//! The hub's own connection goes to rmqtt directly. Connections from 127.0.0.1 (the hub's
//! machine: the simulator, a benchmark, a local bridge) are not counted per address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// The gate's limits.
#[derive(Debug, Clone, Copy)]
pub struct GateLimits {
    /// How long a new connection has to send its whole CONNECT.
    pub handshake: Duration,
    /// Connections one address may hold at once (CONNECT read or not); 0: no limit.
    pub per_address: usize,
    /// The largest CONNECT taken, in bytes (the broker's packet limit).
    pub max_connect: usize,
}

/// Open connections per address.
type Counts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One connection counted against its address; uncounted when dropped.
struct Slot {
    counts: Counts,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// Takes a slot for `ip`, unless it holds its share already.
fn take_slot(counts: &Counts, ip: IpAddr, limit: usize) -> Option<Slot> {
    if ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(std::net::Ipv6Addr::LOCALHOST) {
        return Some(Slot {
            counts: Arc::new(Mutex::new(HashMap::new())),
            ip,
        });
    }
    let mut map = counts.lock().unwrap_or_else(PoisonError::into_inner);
    let n = map.entry(ip).or_insert(0);
    if limit > 0 && *n >= limit {
        return None;
    }
    *n += 1;
    Some(Slot {
        counts: Arc::clone(counts),
        ip,
    })
}

/// Accepts on `listener` for ever, passing each connection that sends its CONNECT in time on to
/// `upstream`; with `tls`, each connection is a TLS one, ended here. Abort the task to stop; the
/// connections already passed on keep running until either side closes.
pub fn serve(
    listener: TcpListener,
    upstream: SocketAddr,
    limits: GateLimits,
    tls: Option<TlsAcceptor>,
) -> JoinHandle<()> {
    let counts: Counts = Arc::default();
    tokio::spawn(async move {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, most likely: wait rather than spin.
                    tracing::warn!(%error, "the broker's gate cannot accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Some(slot) = take_slot(&counts, peer.ip(), limits.per_address) else {
                tracing::warn!(%peer, limit = limits.per_address, "too many connections from one address: refused / 同一地址连接过多");
                continue;
            };
            let tls = tls.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let _ = socket.set_nodelay(true);
                match tls {
                    None => pass(socket, peer, upstream, limits).await,
                    Some(acceptor) => pass_tls(socket, acceptor, peer, upstream, limits).await,
                }
            });
        }
    })
}

/// Reads the CONNECT within the time limit, then joins the connection to the broker.
async fn pass(mut socket: TcpStream, peer: SocketAddr, upstream: SocketAddr, limits: GateLimits) {
    let connect = tokio::time::timeout(
        limits.handshake,
        read_connect(&mut socket, limits.max_connect),
    )
    .await;
    if let Some(connect) = admitted(connect, peer, limits) {
        join(socket, connect, peer, upstream).await;
    }
}

/// Ends TLS and reads the CONNECT inside it, both within the one time limit, then joins the
/// decrypted connection to the broker.
async fn pass_tls(
    socket: TcpStream,
    acceptor: TlsAcceptor,
    peer: SocketAddr,
    upstream: SocketAddr,
    limits: GateLimits,
) {
    let opened = tokio::time::timeout(limits.handshake, async {
        let mut tls = acceptor.accept(socket).await.map_err(|error| {
            tracing::info!(%peer, %error, "TLS handshake failed / TLS 握手失败");
            "the TLS handshake failed"
        })?;
        let connect = read_connect(&mut tls, limits.max_connect).await?;
        Ok((tls, connect))
    })
    .await;
    if let Some((tls, connect)) = admitted(opened, peer, limits) {
        join(tls, connect, peer, upstream).await;
    }
}

/// What came of a connection's opening within the time limit; logged, and `None`, if it failed.
fn admitted<T>(
    opened: Result<Result<T, &'static str>, tokio::time::error::Elapsed>,
    peer: SocketAddr,
    limits: GateLimits,
) -> Option<T> {
    match opened {
        Ok(Ok(opened)) => Some(opened),
        Ok(Err(reason)) => {
            tracing::info!(%peer, reason, "connection closed before its CONNECT");
            None
        }
        Err(_) => {
            tracing::info!(%peer, after = ?limits.handshake, "no CONNECT in time: connection closed / 握手超时");
            None
        }
    }
}

/// Hands the CONNECT to the broker and relays both ways until either side closes.
async fn join<S>(mut socket: S, connect: Vec<u8>, peer: SocketAddr, upstream: SocketAddr)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut broker = match TcpStream::connect(upstream).await {
        Ok(s) => s,
        Err(error) => {
            tracing::warn!(%peer, %error, "the broker cannot be reached");
            return;
        }
    };
    let _ = broker.set_nodelay(true);
    if broker.write_all(&connect).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut socket, &mut broker).await;
}

/// Reads one whole MQTT CONNECT packet: its type byte, its remaining length, and that many bytes.
async fn read_connect<S: AsyncRead + Unpin>(
    socket: &mut S,
    max: usize,
) -> Result<Vec<u8>, &'static str> {
    let mut packet = vec![0_u8; 1];
    read(socket, &mut packet[..1]).await?;
    if packet[0] != 0x10 {
        return Err("the first packet is not a CONNECT");
    }
    let mut remaining = 0_usize;
    for shift in 0..4 {
        let mut byte = [0_u8; 1];
        read(socket, &mut byte).await?;
        packet.push(byte[0]);
        remaining |= usize::from(byte[0] & 0x7f) << (7 * shift);
        if byte[0] & 0x80 == 0 {
            let header = packet.len();
            if header + remaining > max {
                return Err("the CONNECT is too large");
            }
            packet.resize(header + remaining, 0);
            read(socket, &mut packet[header..]).await?;
            return Ok(packet);
        }
    }
    Err("the CONNECT's length is malformed")
}

async fn read<S: AsyncRead + Unpin>(socket: &mut S, buf: &mut [u8]) -> Result<(), &'static str> {
    socket
        .read_exact(buf)
        .await
        .map(drop)
        .map_err(|_| "the connection closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_its_share_and_gets_a_slot_back_when_one_closes() {
        let counts = Counts::default();
        let ip: IpAddr = "192.168.1.20".parse().unwrap();
        let a = take_slot(&counts, ip, 2).unwrap();
        let _b = take_slot(&counts, ip, 2).unwrap();
        assert!(take_slot(&counts, ip, 2).is_none());
        assert!(take_slot(&counts, "192.168.1.21".parse().unwrap(), 2).is_some());
        drop(a);
        assert!(take_slot(&counts, ip, 2).is_some());
    }

    #[test]
    fn the_hubs_own_machine_is_not_capped() {
        let counts = Counts::default();
        let slots: Vec<_> = (0..10)
            .map(|_| take_slot(&counts, IpAddr::V4(Ipv4Addr::LOCALHOST), 2))
            .collect();
        assert!(slots.iter().all(Option::is_some));
    }
}
