//! The hall page's booking line, where HQ is the hall's booking master (docs/booking.md, "At
//! HQ"): "预约：已下发 N 条，营业厅已记入 M 条 / Bookings: N sent, M in the hall's journal".
//!
//! N is the hall's changes JetStream acknowledged (`booking_outbox.stream_seq` set); M those
//! of them at or below the stream sequence the hub last reported journaled (its live status's
//! `bookings.seq`). The stream is one for every hall, so its sequences order each hall's
//! changes too. The line is red once the oldest change sent and not journaled was published
//! more than `[booking] behind_alert_s` ago: a hall behind for a moment (its link blinking, a
//! change in flight) is not an alarm.

use tokio_postgres::Client;

use super::view::{Cell, Lang, local_time};
use crate::error::HqError;

/// What the line says of one hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BookingLine {
    /// Changes sent to the hall (acknowledged by the stream).
    pub(crate) sent: i64,
    /// Of them, in the hall's journal as last reported; `None`: the hub does not report it
    /// (before this field, or its journal could not be read).
    pub(crate) journaled: Option<i64>,
    /// When the oldest change sent and not journaled was published, ms.
    pub(crate) behind_since: Option<i64>,
}

/// The line of `hall`, whose hub last reported `reported` (its journaled stream sequence);
/// `None` when HQ sells no bookings for it and sent it none (no line then).
pub(crate) async fn line(
    db: &Client,
    hall: &str,
    reported: Option<u64>,
    hq_sells: bool,
) -> Result<Option<BookingLine>, HqError> {
    let seq = reported.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    let row = db
        .query_one(
            "SELECT count(stream_seq),
                    count(*) FILTER (WHERE stream_seq <= $2),
                    (extract(epoch FROM min(published_at)
                        FILTER (WHERE stream_seq > coalesce($2, 0))) * 1000)::bigint
             FROM booking_outbox WHERE hall = $1",
            &[&hall, &seq],
        )
        .await?;
    let sent: i64 = row.get(0);
    if sent == 0 && reported.is_none() && !hq_sells {
        return Ok(None);
    }
    Ok(Some(BookingLine {
        sent,
        journaled: reported.map(|_| row.get(1)),
        behind_since: row.get(2),
    }))
}

impl BookingLine {
    /// Whether the hall is behind for longer than `alert_ms` at `now_ms`. A hub that does not
    /// report is not judged (the text says "not reported").
    pub(crate) fn late(&self, now_ms: i64, alert_ms: i64) -> bool {
        self.journaled.is_some() && self.behind_since.is_some_and(|t| now_ms - t > alert_ms)
    }

    /// The line as a cell, live under `hall:<id>:bookings` with its red.
    pub(crate) fn cell(
        &self,
        l: Lang,
        hall: &str,
        now_ms: i64,
        alert_ms: i64,
        offset: i32,
    ) -> Cell {
        let journaled = self.journaled.map_or_else(
            || l.t("未报告", "not reported").to_owned(),
            |m| m.to_string(),
        );
        let mut text = match l {
            Lang::Zh => format!("预约：已下发 {} 条，营业厅已记入 {journaled} 条", self.sent),
            Lang::En => format!(
                "Bookings: {} sent, {journaled} in the hall's journal",
                self.sent
            ),
        };
        if let (Some(_), Some(at)) = (self.journaled, self.behind_since) {
            text.push_str(&match l {
                Lang::Zh => format!("（自 {} 起未记入）", local_time(at, offset)),
                Lang::En => format!(" (behind since {})", local_time(at, offset)),
            });
        }
        Cell::new(text)
            .red(self.late(now_ms, alert_ms))
            .live_red(format!("hall:{hall}:bookings"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_turns_red_only_after_the_limit_and_only_when_reported() {
        let behind = BookingLine {
            sent: 3,
            journaled: Some(2),
            behind_since: Some(1_000_000),
        };
        assert!(!behind.late(1_000_000 + 600_000, 600_000));
        assert!(behind.late(1_000_000 + 600_001, 600_000));
        let cell = behind.cell(Lang::En, "gz-01", 2_000_000, 600_000, 480);
        assert!(
            cell.red
                && cell
                    .text
                    .starts_with("Bookings: 3 sent, 2 in the hall's journal")
        );
        let silent = BookingLine {
            journaled: None,
            ..behind.clone()
        };
        assert!(!silent.late(9_000_000, 600_000));
        assert!(
            silent
                .cell(Lang::Zh, "gz-01", 0, 1, 480)
                .text
                .contains("未报告")
        );
        let level = BookingLine {
            sent: 3,
            journaled: Some(3),
            behind_since: None,
        };
        assert_eq!(
            level.cell(Lang::Zh, "gz-01", 0, 1, 480).text,
            "预约：已下发 3 条，营业厅已记入 3 条"
        );
    }
}
