//! The devices that only listen: the wall display (综合屏: the board and the voice calls) and
//! the LED strips over the counters (窗口屏: their counter's state). They check what a display
//! relies on: every call announced, board revisions only growing.

use hallq_client::Update;
use hallq_proto::DeviceId;
use tokio::sync::broadcast::error::RecvError;

use super::Ctx;

/// What a listening device saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heard {
    /// Call events (first calls and recalls).
    pub calls: u64,
    /// Boards received.
    pub boards: u64,
    /// Counter states received (for an LED strip: its own counter's).
    pub counter_states: u64,
    /// Boards or counter states that came with a lower revision than one already seen.
    pub revisions_backwards: u64,
    /// Updates missed because the device fell behind (its queue overflowed).
    pub lagged: u64,
}

/// Listens as `device` (its counter for an LED strip) until the day ends.
pub(crate) async fn run(ctx: &Ctx, device: &DeviceId, counter: Option<u16>) -> Heard {
    let mut heard = Heard::default();
    let Some(client) = ctx.client(device) else {
        return heard;
    };
    let mut rx = client.updates();
    let mut closing = ctx.closing.clone();
    let (mut board_rev, mut counter_rev) = (0u64, 0u64);
    for _ in 0..100_000_000u64 {
        if ctx.over() {
            break;
        }
        let update = tokio::select! {
            u = rx.recv() => u,
            _ = closing.wait_for(|c| *c) => break,
            _ = tokio::time::sleep(ctx.time.real(60.0)) => continue,
        };
        match update {
            Ok(Update::Call(_)) if counter.is_none() => heard.calls += 1,
            Ok(Update::Board(b)) if counter.is_none() => {
                heard.boards += 1;
                heard.revisions_backwards += u64::from(b.rev < board_rev);
                board_rev = board_rev.max(b.rev);
            }
            Ok(Update::Counter(c)) if counter == Some(c.counter.0) => {
                heard.counter_states += 1;
                heard.revisions_backwards += u64::from(c.rev < counter_rev);
                counter_rev = counter_rev.max(c.rev);
            }
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => heard.lagged += n,
            Err(RecvError::Closed) => break,
        }
    }
    heard
}
