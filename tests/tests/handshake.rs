//! Sockets that connect to the embedded broker and never send CONNECT, against a real `hallq hub`:
//! a few hundred of them do not keep a device out, each is closed after the handshake time-out,
//! and one address cannot hold more than its share of connections.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::Duration;

use hallq_hub::broker::CONNECTIONS_PER_ADDRESS;
use hallq_proto::ReplyBody;
use hallq_tests::{BrokerKind, Hall, ticket};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// A TCP connection to the hall's broker from `source` (any port), sending nothing.
async fn idle_socket(hall: &Hall, source: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket
        .connect(format!("127.0.0.1:{}", hall.port).parse().unwrap())
        .await
        .unwrap()
}

/// Waits (bounded, `limit`) until the broker closes `socket`; whether it did.
async fn closed_within(socket: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0_u8; 16];
    matches!(
        tokio::time::timeout(limit, socket.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_sockets_are_timed_out_and_do_not_keep_devices_out() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(idle_socket(&hall, "127.0.0.1").await);
    }
    // A device still gets in and is served.
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
    // Every idle socket is closed by the broker (the time-out is 10 s; a minute is the bound).
    for (n, socket) in idle.iter_mut().enumerate() {
        assert!(
            closed_within(socket, Duration::from_secs(60)).await,
            "idle socket {n} is still open"
        );
    }
    // The device's own connection was not: it is still served.
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_holds_at_most_its_share_of_connections() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    // Wait until the broker listens (a device gets in).
    let (_kiosk, _k) = hall.device("kiosk-1").await;
    // 127.0.0.2 stands for another machine of the hall's network (127.0.0.1 is the hub's own).
    let mut held = Vec::new();
    for _ in 0..CONNECTIONS_PER_ADDRESS {
        held.push(idle_socket(&hall, "127.0.0.2").await);
    }
    let mut one_more = idle_socket(&hall, "127.0.0.2").await;
    assert!(
        closed_within(&mut one_more, Duration::from_secs(5)).await,
        "a connection over the address's share was kept"
    );
    // Another address is not affected.
    let mut other = idle_socket(&hall, "127.0.0.3").await;
    assert!(
        !closed_within(&mut other, Duration::from_millis(500)).await,
        "another address was refused"
    );
}
