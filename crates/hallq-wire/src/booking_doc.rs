//! `[booking]` of a configuration document (docs/booking.md, "At HQ"): who sells the hall's
//! appointments, the hall's hub or HQ, and from which business day. The switch by a published
//! revision: the hub sells until the day `from` begins in the hall's time zone, HQ from then on.

use serde::{Deserialize, Serialize};

/// Who sells a hall's bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingMaster {
    /// The hall's hub.
    Hub,
    /// Headquarters.
    Hq,
}

/// `[booking]` of a document, each key optional (merged key by key, chain ← region ← hall).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingDoc {
    /// Who sells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<BookingMaster>,
    /// The first business day HQ sells (`YYYYMMDD`, the hall's local day); needed with
    /// `master = "hq"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    /// HQ's booking page for the hall, told to customers who ask the hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hq_url: Option<String>,
}

impl BookingDoc {
    /// `more` laid over `self`, key by key.
    pub fn merge(&mut self, more: &Self) {
        self.master = more.master.or(self.master);
        self.from = more.from.or(self.from);
        if more.hq_url.is_some() {
            self.hq_url.clone_from(&more.hq_url);
        }
    }

    /// What is wrong with the section on its own, in Chinese and English.
    pub fn check(&self) -> Result<(), String> {
        if let Some(from) = self.from {
            let (m, d) = (from / 100 % 100, from % 100);
            if !(20_000_101..=21_001_231).contains(&from)
                || !(1..=12).contains(&m)
                || !(1..=31).contains(&d)
            {
                return Err(format!(
                    "booking.from {from} is not a day YYYYMMDD / booking.from {from} 不是日期（YYYYMMDD）"
                ));
            }
        }
        if let Some(url) = &self.hq_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!(
                "booking.hq_url {url:?} is not an http(s) address / booking.hq_url 须为 http(s) 地址"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_keys_merge_one_by_one_and_bad_ones_are_refused_in_both_languages() {
        let mut chain = BookingDoc {
            hq_url: Some("https://hq.example/book".into()),
            ..BookingDoc::default()
        };
        chain.merge(&BookingDoc {
            master: Some(BookingMaster::Hq),
            from: Some(20_261_208),
            hq_url: None,
        });
        assert_eq!(chain.master, Some(BookingMaster::Hq));
        assert_eq!(chain.from, Some(20_261_208));
        assert_eq!(chain.hq_url.as_deref(), Some("https://hq.example/book"));
        chain.check().unwrap();
        for bad in [
            BookingDoc {
                from: Some(20_261_300),
                ..BookingDoc::default()
            },
            BookingDoc {
                hq_url: Some("hq.example".into()),
                ..BookingDoc::default()
            },
        ] {
            let err = bad.check().unwrap_err();
            assert!(
                err.contains("booking.")
                    && err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{err}"
            );
        }
    }
}
