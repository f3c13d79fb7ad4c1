//! The board in parts: the hub's [`Feed`] to HQ's [`Mirror`], through JSON, with messages
//! lost on the way.

#![allow(clippy::unwrap_used)]

use hallq_proto::{BusinessDay, HallId, LocalText, TicketId};

use super::*;
use crate::token::TokenKey;
use crate::view::{Board, TicketState, TicketView};

const DAY: BusinessDay = BusinessDay(20261123);

fn view(number: &str) -> TicketView {
    TicketView {
        number: number.into(),
        business: LocalText::new("基础业务", "Basic business"),
        people_ahead: 2,
        estimated_wait_min: Some(6),
        documents: vec![
            LocalText::new("本人有效身份证件原件", "Your own valid ID card (original)"),
            LocalText::new("服务密码", "Your service password"),
        ],
        state: TicketState::Waiting,
        rated: None,
        notice: None,
    }
}

fn id(day: BusinessDay, serial: u32) -> TicketId {
    TicketId::new(format!("{day}-{serial:04}")).unwrap()
}

fn board(day: BusinessDay, serials: impl IntoIterator<Item = u32>) -> Board {
    Board {
        day: Some(day),
        hall: LocalText::new("天河营业厅", "Tianhe"),
        tickets: serials
            .into_iter()
            .map(|s| (id(day, s), view(&format!("A{s:03}"))))
            .collect(),
        notice_choices: vec![NoticeLead::Ahead(3), NoticeLead::Minutes(10)],
    }
}

fn key(hall: &str) -> TokenKey {
    TokenKey::new(HallId::new(hall).unwrap(), &[7; 32])
}

/// HQ's side of one hall: the mirror and the tokens, as HQ's `phone` module keeps them.
#[derive(Default)]
struct Hq {
    mirror: Mirror,
    listed: Listed,
    /// Whether the last message asked for a snapshot.
    behind: bool,
}

impl Hq {
    /// Takes the hub's messages, through JSON and [`UpPart::received`].
    fn take(&mut self, out: &Out) {
        for m in &out.messages {
            let part = UpPart::received("h1", m).unwrap();
            let took = self.mirror.take(part);
            let mut tokens = self.listed.0.write().unwrap();
            for mac in &took.closed {
                tokens.0.remove(mac);
            }
            for (mac, day, ticket) in took.opened {
                tokens.0.insert(mac, (day, ticket));
            }
            self.behind = took.behind;
        }
    }
}

/// A board at HQ after one snapshot of it.
fn at_hq(b: &Board, k: &TokenKey) -> Hq {
    let mut feed = Feed::new("h1", 1, 64 * 1024);
    let mut hq = Hq::default();
    hq.take(&feed.snapshot(b, |id| k.issue_for(id)));
    hq
}

#[test]
fn the_board_reaches_hq_whole_with_its_notice_choices() {
    let b = board(DAY, [1, 2]);
    let hq = at_hq(&b, &key("h1"));
    assert_eq!(*hq.mirror.board(), b);
    assert!(hq.mirror.in_step() && !hq.behind);
}

#[test]
fn a_busy_day_s_board_goes_in_parts_each_within_the_limit_and_comes_back_whole() {
    let k = key("h1");
    let b = board(DAY, 1..=3000);
    let limit = 64 * 1024;
    let mut feed = Feed::new("h1", 1, limit);
    let out = feed.snapshot(&b, |id| k.issue_for(id));
    assert_eq!(out.left_out, 0);
    let whole: usize = out.messages.iter().map(Vec::len).sum();
    assert!(
        whole > 1 << 20,
        "3,000 tickets are over 1 MiB: {whole} bytes"
    );
    assert!(out.messages.len() > 16, "{} parts", out.messages.len());
    for m in &out.messages {
        assert!(m.len() <= limit, "a part of {} bytes", m.len());
    }
    let mut hq = Hq::default();
    hq.take(&out);
    assert_eq!(*hq.mirror.board(), b);
    assert!(hq.mirror.in_step());
    let t = hq.listed.verify(&k.issue(DAY, 2999), DAY).unwrap();
    assert_eq!(t, id(DAY, 2999));
}

#[test]
fn a_delta_carries_the_tickets_changed_and_gone_and_nothing_else() {
    let k = key("h1");
    let mut b = board(DAY, 1..=50);
    let mut feed = Feed::new("h1", 1, 64 * 1024);
    let mut hq = Hq::default();
    hq.take(&feed.snapshot(&b, |id| k.issue_for(id)));
    b.tickets.get_mut(&id(DAY, 7)).unwrap().state = TicketState::Called {
        counter: LocalText::new("3号窗口", "Counter 3"),
    };
    b.tickets.remove(&id(DAY, 9));
    b.tickets.insert(id(DAY, 51), view("A051"));
    let out = feed.delta(&b, |id| k.issue_for(id));
    assert_eq!(out.messages.len(), 1);
    let part = UpPart::received("h1", &out.messages[0]).unwrap();
    assert_eq!(part.kind, Kind::Delta);
    let sent: Vec<&str> = part.tickets.iter().map(|t| t.ticket.as_str()).collect();
    assert_eq!(sent, ["20261123-0007", "20261123-0051"]);
    assert_eq!(part.gone, [id(DAY, 9)]);
    hq.take(&out);
    assert_eq!(*hq.mirror.board(), b);
    assert!(hq.mirror.in_step() && !hq.behind);
    // The gone ticket's token opens nothing; the new one's does.
    assert_eq!(
        hq.listed.verify(&k.issue(DAY, 9), DAY),
        Err(TokenError::Forged)
    );
    assert!(hq.listed.verify(&k.issue(DAY, 51), DAY).is_ok());
    // Nothing changed: one empty delta, the heartbeat, still in step.
    let out = feed.delta(&b, |id| k.issue_for(id));
    assert_eq!(out.messages.len(), 1);
    let part = UpPart::received("h1", &out.messages[0]).unwrap();
    assert!(part.tickets.is_empty() && part.gone.is_empty());
    hq.take(&out);
    assert!(hq.mirror.in_step() && !hq.behind);
}

#[test]
fn a_missed_delta_puts_hq_behind_and_the_snapshot_it_asks_for_makes_it_whole() {
    let k = key("h1");
    let mut b = board(DAY, 1..=20);
    let mut feed = Feed::new("h1", 1, 64 * 1024);
    let mut hq = Hq::default();
    hq.take(&feed.snapshot(&b, |id| k.issue_for(id)));
    // Ticket 3 called: that delta is lost.
    b.tickets.get_mut(&id(DAY, 3)).unwrap().state = TicketState::Called {
        counter: LocalText::new("1号窗口", "Counter 1"),
    };
    let _lost = feed.delta(&b, |id| k.issue_for(id));
    // Nothing else changes: the heartbeat shows the gap.
    hq.take(&feed.delta(&b, |id| k.issue_for(id)));
    assert!(hq.behind && !hq.mirror.in_step());
    assert_eq!(
        hq.mirror.board().tickets[&id(DAY, 3)].state,
        TicketState::Waiting
    );
    // A later change is applied meanwhile (still behind).
    b.tickets.get_mut(&id(DAY, 4)).unwrap().people_ahead = 0;
    hq.take(&feed.delta(&b, |id| k.issue_for(id)));
    assert!(hq.behind);
    assert_eq!(hq.mirror.board().tickets[&id(DAY, 4)].people_ahead, 0);
    // The snapshot asked for: whole and in step again.
    hq.take(&feed.snapshot(&b, |id| k.issue_for(id)));
    assert!(!hq.behind && hq.mirror.in_step());
    assert_eq!(*hq.mirror.board(), b);
}

#[test]
fn a_snapshot_with_a_part_missed_is_not_taken_and_the_next_one_is() {
    let k = key("h1");
    let old = board(DAY, 1..=5);
    let b = board(DAY, 1..=400);
    let mut feed = Feed::new("h1", 1, 16 * 1024);
    let mut hq = Hq::default();
    hq.take(&feed.snapshot(&old, |id| k.issue_for(id)));
    let out = feed.snapshot(&b, |id| k.issue_for(id));
    assert!(out.messages.len() >= 3, "{} parts", out.messages.len());
    let mut messages = out.messages.clone();
    messages.remove(1);
    let missing = Out {
        messages,
        left_out: 0,
    };
    hq.take(&missing);
    assert!(hq.behind && !hq.mirror.in_step());
    assert_eq!(
        *hq.mirror.board(),
        old,
        "a part missing: the board as it was"
    );
    hq.take(&feed.snapshot(&b, |id| k.issue_for(id)));
    assert_eq!(*hq.mirror.board(), b);
    assert!(hq.mirror.in_step());
}

#[test]
fn hq_shows_nothing_before_a_whole_board_and_asks_for_one() {
    let k = key("h1");
    let b = board(DAY, 1..=3);
    let mut feed = Feed::new("h1", 1, 64 * 1024);
    let _before_hq_started = feed.snapshot(&b, |id| k.issue_for(id));
    let mut hq = Hq::default();
    hq.take(&feed.delta(&b, |id| k.issue_for(id)));
    assert!(hq.behind);
    assert!(hq.mirror.board().tickets.is_empty());
    assert!(hq.listed.verify(&k.issue(DAY, 1), DAY).is_err());
    hq.take(&feed.snapshot(&b, |id| k.issue_for(id)));
    assert_eq!(*hq.mirror.board(), b);
}

#[test]
fn a_restarted_hub_s_run_is_not_taken_for_the_last_one_s() {
    let k = key("h1");
    let b = board(DAY, 1..=3);
    let mut hq = Hq::default();
    let mut first = Feed::new("h1", 1, 64 * 1024);
    hq.take(&first.snapshot(&b, |id| k.issue_for(id)));
    hq.take(&first.delta(&b, |id| k.issue_for(id)));
    assert!(hq.mirror.in_step());
    // The same numbers from another run: its first message is a snapshot, taken whole.
    let mut second = Feed::new("h1", 2, 64 * 1024);
    hq.take(&second.snapshot(&b, |id| k.issue_for(id)));
    assert!(hq.mirror.in_step() && !hq.behind);
    // Had HQ missed that snapshot, the new run's delta would put it behind.
    let mut third = Feed::new("h1", 3, 64 * 1024);
    let _lost = third.snapshot(&b, |id| k.issue_for(id));
    hq.take(&third.delta(&b, |id| k.issue_for(id)));
    assert!(hq.behind);
}

#[test]
fn a_new_day_goes_whole_and_the_last_day_s_tokens_open_nothing() {
    let k = key("h1");
    let yesterday = BusinessDay(20261122);
    let mut feed = Feed::new("h1", 1, 64 * 1024);
    let mut hq = Hq::default();
    hq.take(&feed.snapshot(&board(yesterday, [1]), |id| k.issue_for(id)));
    // The board still of yesterday, the page asked today: "another day".
    assert_eq!(
        hq.listed.verify(&k.issue(yesterday, 1), DAY),
        Err(TokenError::OtherDay)
    );
    let out = feed.delta(&board(DAY, [1]), |id| k.issue_for(id));
    let part = UpPart::received("h1", &out.messages[0]).unwrap();
    assert_eq!(part.kind, Kind::whole());
    hq.take(&out);
    assert_eq!(
        hq.listed.verify(&k.issue(yesterday, 1), DAY),
        Err(TokenError::Forged)
    );
    assert!(hq.listed.verify(&k.issue(DAY, 1), DAY).is_ok());
}

#[test]
fn a_token_opens_at_hq_only_if_its_hall_sent_it() {
    let k = key("h1");
    let hq = at_hq(&board(DAY, [1, 2]), &k);
    let listed = &hq.listed;
    assert_eq!(
        listed.verify(&k.issue(DAY, 2), DAY).unwrap().as_str(),
        "20261123-0002"
    );
    // A genuine token of the hall's key for a ticket the hall did not send.
    assert_eq!(
        listed.verify(&k.issue(DAY, 3), DAY),
        Err(TokenError::Forged)
    );
    // A token of another hall (another key) for a ticket of the same id.
    let other = TokenKey::new(HallId::new("h2").unwrap(), &[8; 32]);
    assert_eq!(
        listed.verify(&other.issue(DAY, 2), DAY),
        Err(TokenError::Forged)
    );
    // Another ticket's serial with this ticket's MAC.
    let mut bytes = data_encoding::BASE32_NOPAD
        .decode(k.issue(DAY, 2).to_ascii_uppercase().as_bytes())
        .unwrap();
    bytes[7] = 1;
    let swapped = data_encoding::BASE32_NOPAD.encode(&bytes);
    assert_eq!(listed.verify(&swapped, DAY), Err(TokenError::Forged));
    assert_eq!(listed.verify("abc", DAY), Err(TokenError::Malformed));
}

#[test]
fn a_token_that_does_not_name_its_ticket_opens_nothing() {
    let k = key("h1");
    // The hall (or a forger on its subject) sends ticket 1 with ticket 2's token.
    let mut feed = Feed::new("h1", 1, 64 * 1024);
    let mut hq = Hq::default();
    hq.take(&feed.snapshot(&board(DAY, [1]), |_| Some(k.issue(DAY, 2))));
    for serial in [1, 2] {
        assert_eq!(
            hq.listed.verify(&k.issue(DAY, serial), DAY),
            Err(TokenError::Forged)
        );
    }
}

#[test]
fn a_part_on_another_hall_s_subject_or_of_another_version_is_refused_and_a_whole_v1_board_taken() {
    let k = key("h1");
    let b = board(DAY, [1]);
    let body = Feed::new("h1", 1, 64 * 1024)
        .snapshot(&b, |id| k.issue_for(id))
        .messages
        .remove(0);
    assert!(UpPart::received("h1", &body).is_ok());
    let e = UpPart::received("h2", &body).unwrap_err();
    assert!(e.contains("\"h1\"") && e.contains("\"h2\""), "{e}");
    let mut future: serde_json::Value = serde_json::from_slice(&body).unwrap();
    future["v"] = 3.into();
    let e = UpPart::received("h1", &serde_json::to_vec(&future).unwrap()).unwrap_err();
    assert!(e.contains("version 3"), "{e}");
    assert!(UpPart::received("h1", b"[]").is_err());
    // A hub before parts sends its whole board, version 1, without numbers: taken whole.
    let v1 = serde_json::json!({
        "v": 1, "hall": "h1", "day": DAY, "name": b.hall, "notice_choices": b.notice_choices,
        "tickets": [{"ticket": id(DAY, 1), "token": k.issue(DAY, 1), "view": b.tickets[&id(DAY, 1)]}],
    });
    let part = UpPart::received("h1", &serde_json::to_vec(&v1).unwrap()).unwrap();
    let mut mirror = Mirror::default();
    let took = mirror.take(part);
    assert!(took.changed && !took.behind);
    assert_eq!(*mirror.board(), b);
}

#[test]
fn a_ticket_too_large_for_a_message_is_left_out_and_counted() {
    let k = key("h1");
    let mut b = board(DAY, [1, 2]);
    b.tickets.get_mut(&id(DAY, 2)).unwrap().documents =
        vec![LocalText::new("很长".repeat(2000), "long".repeat(2000))];
    let mut feed = Feed::new("h1", 1, 4096);
    let out = feed.snapshot(&b, |id| k.issue_for(id));
    assert_eq!(out.left_out, 1);
    let mut hq = Hq::default();
    hq.take(&out);
    assert!(hq.mirror.board().tickets.contains_key(&id(DAY, 1)));
    assert!(!hq.mirror.board().tickets.contains_key(&id(DAY, 2)));
}

#[test]
fn a_resync_is_told_from_a_page_s_request() {
    assert!(Resync::is(&Resync::body()));
    let down = Down {
        v: VERSION,
        ticket: id(DAY, 1),
        ask: DownAsk::Notice {
            lead: NoticeLead::Ahead(2),
        },
    };
    assert!(!Resync::is(&serde_json::to_vec(&down).unwrap()));
    assert!(!Resync::is(b"{\"v\":1,\"resync\":false}"));
    assert!(!Resync::is(b"junk"));
}
