//! The booking outbox down to the halls, against a real 3-node cluster and PostgreSQL: each
//! committed change reaches `hallq.booking.<hall>` in `HALLQ_BOOKINGS` once and in order, is
//! marked with its stream sequence, and a change published again after a crash before its mark
//! is not stored twice.
#![allow(clippy::unwrap_used)]

mod common;

use async_nats::jetstream;
use common::{Store, T0_MS};
use hallq_booking::{BookingCode, MasterChange, MasterStatus, PersonKey, SlotRules};
use hallq_hq::NatsCluster;
use hallq_hq::booking::publish::{publish_pending, stream};
use hallq_hq::booking::store::{HallBook, Slot};
use hallq_proto::{BusinessCode, BusinessDay, Timestamp};

#[tokio::test]
async fn each_committed_change_reaches_its_halls_subject_once_and_in_order() {
    let s = Store::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(dir.path()).await.unwrap();
    let js = jetstream::new(cluster.connect().await.unwrap());
    let rules = SlotRules {
        capacity: [(BusinessCode::new("basic").unwrap(), 2)].into(),
        ..SlotRules::default()
    };
    let now = Timestamp(T0_MS);
    let day = BusinessDay(20261124);
    let basic = BusinessCode::new("basic").unwrap();
    let mut c = s.connect().await;
    let mut codes = Vec::new();
    for (n, hall) in ["gz-01", "gz-02", "gz-01"].into_iter().enumerate() {
        let book = HallBook {
            hall,
            rules: &rules,
        };
        let code = BookingCode::from_random(n as u64 + 1);
        let person = PersonKey::new(format!("{:032x}", n + 1)).unwrap();
        book.book(
            &mut c,
            now,
            &code,
            &person,
            &Slot {
                business: basic.clone(),
                day,
                start_min: 600,
            },
        )
        .await
        .unwrap();
        codes.push((code, person));
    }
    let gz01 = HallBook {
        hall: "gz-01",
        rules: &rules,
    };
    gz01.cancel(&mut c, now, &codes[0].0, &codes[0].1)
        .await
        .unwrap();

    stream(&js).await.unwrap();
    assert_eq!(publish_pending(&s.client, &js).await.unwrap(), 4);
    assert_eq!(
        publish_pending(&s.client, &js).await.unwrap(),
        0,
        "nothing twice"
    );
    // A crash after the publish and before the mark: published again, stored once.
    s.client
        .execute("UPDATE booking_outbox SET stream_seq = NULL WHERE id = (SELECT max(id) FROM booking_outbox)", &[])
        .await
        .unwrap();
    assert_eq!(publish_pending(&s.client, &js).await.unwrap(), 1);

    let mut st = js.get_stream(hallq_wire::BOOKINGS_STREAM).await.unwrap();
    let info = st.info().await.unwrap().clone();
    assert_eq!(info.state.messages, 4);
    let mut got = Vec::new();
    for seq in 1..=4 {
        let m = st.get_raw_message(seq).await.unwrap();
        let change: MasterChange = serde_json::from_slice(&m.payload).unwrap();
        got.push((
            m.subject.to_string(),
            change.code.clone(),
            change.status,
            change.rev,
        ));
    }
    assert_eq!(
        got,
        [
            (
                String::from("hallq.booking.gz-01"),
                codes[0].0.clone(),
                MasterStatus::Booked,
                1
            ),
            (
                String::from("hallq.booking.gz-02"),
                codes[1].0.clone(),
                MasterStatus::Booked,
                1
            ),
            (
                String::from("hallq.booking.gz-01"),
                codes[2].0.clone(),
                MasterStatus::Booked,
                1
            ),
            (
                String::from("hallq.booking.gz-01"),
                codes[0].0.clone(),
                MasterStatus::Cancelled,
                2
            ),
        ]
    );
    let marked: Vec<i64> = s
        .client
        .query("SELECT stream_seq FROM booking_outbox ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(marked, [1, 2, 3, 4]);
    let counts = hallq_hq::booking::publish::counts(&s.client).await.unwrap();
    assert_eq!(
        counts,
        [(String::from("gz-01"), 3, 3), (String::from("gz-02"), 1, 1)]
    );
}
