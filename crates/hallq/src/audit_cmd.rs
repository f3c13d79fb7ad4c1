//! `hallq audit`: the hall's security view from the journal (read-only, also while the hub
//! runs). What changed in the hall's devices and keys (the audit trail), what the hub refused
//! and from which device, the wrong PINs, and how much personal data is kept against its
//! retention. A hall manager reads it weekly; an engineer reads it after an incident.

#![allow(
    clippy::print_stdout,
    reason = "the audit is this command's output, as text tables"
)]

use std::path::PathBuf;

use anyhow::Context as _;
use hallq_hub::HallConfig;
use hallq_hub::clock::Clock as _;
use hallq_journal::{Journal, PersonalKind};
use hallq_proto::{Timestamp, time};

/// Options of `hallq audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    /// The hall's configuration (its `[hub] data_dir` holds the journal).
    #[arg(long, env = "HALLQ_CONFIG")]
    config: PathBuf,
    /// The journal, if not the configuration's.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// How many days back to look.
    #[arg(long, default_value_t = 7)]
    days: u32,
}

/// Runs `hallq audit`.
pub(crate) fn run(args: &AuditArgs) -> anyhow::Result<()> {
    let mut hall = HallConfig::load(&args.config)
        .with_context(|| format!("loading {}", args.config.display()))?;
    hall.apply_env(|name| std::env::var(name).ok())?;
    let path = args
        .journal
        .clone()
        .unwrap_or_else(|| hall.hub.data_dir.join("journal.db"));
    let journal = Journal::open_read_only(&path)
        .with_context(|| format!("opening the journal {}", path.display()))?;
    let now = hallq_hub::SystemClock.now();
    print!("{}", audit(&journal, &hall, now, args.days)?);
    Ok(())
}

/// The audit as text, for the `days` before `now`.
pub(crate) fn audit(
    journal: &Journal,
    hall: &HallConfig,
    now: Timestamp,
    days: u32,
) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let offset = hall.hall.utc_offset_min;
    let since = Timestamp(now.0 - i64::from(days) * 86_400_000);
    let when = |t: Timestamp| time::iso_minute(t, offset);
    let conn = journal.connection();
    let mut out = String::new();
    writeln!(
        out,
        "── 安全审计 security audit · {} · the last {days} days ──",
        hall.hall.id
    )?;

    writeln!(out, "\n变更记录 audit trail (devices, keys, purges)")?;
    let trail: Vec<_> = journal
        .audit_trail()?
        .into_iter()
        .filter(|a| a.at >= since)
        .collect();
    if trail.is_empty() {
        writeln!(out, "  (nothing)")?;
    }
    for a in trail {
        writeln!(
            out,
            "  {}  {:<16} {:<18} {:<16} {}",
            when(a.at),
            a.actor,
            a.action,
            a.subject.unwrap_or_default(),
            a.detail
        )?;
    }

    writeln!(out, "\n拒绝的指令 refused commands, by device and reason")?;
    let mut stmt = conn.prepare(
        "SELECT coalesce(device, '?'), code, count(*), max(at_ms) FROM (
             SELECT device, code, at_ms FROM refusals WHERE at_ms >= ?1
             UNION ALL
             SELECT device, error_code, at_ms FROM commands
              WHERE at_ms >= ?1 AND ok = 0
                AND error_code IN ('forbidden', 'wrong_pin', 'pin_locked', 'phone_limit',
                                   'unknown_green_channel'))
         GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
    )?;
    let rows = stmt
        .query_map([since.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        writeln!(out, "  (nothing)")?;
    } else {
        writeln!(
            out,
            "  {:<16} {:<22} {:>7}  last",
            "device", "reason", "count"
        )?;
    }
    for (device, code, n, last) in rows {
        writeln!(
            out,
            "  {device:<16} {code:<22} {n:>7}  {}",
            when(Timestamp(last))
        )?;
    }

    writeln!(out, "\n工号密码 staff PINs due for a change")?;
    let due = pins_due(hall, now);
    if due.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for line in due {
        writeln!(out, "  {line}")?;
    }

    writeln!(out, "\n个人信息 personal data kept (sealed)")?;
    for kind in PersonalKind::ALL {
        let (n, oldest): (i64, Option<i64>) = conn.query_row(
            "SELECT count(*), min(at_ms) FROM personal WHERE kind = ?1",
            [kind.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let age = oldest.map_or("-".to_owned(), |t| {
            format!("{} days", (now.0 - t).max(0) / 86_400_000)
        });
        writeln!(
            out,
            "  {:<18} {n:>7} kept, oldest {age}, retention {} days",
            kind.as_str(),
            hall.privacy.retention_days(kind)
        )?;
    }
    Ok(out)
}

/// The clerks whose PIN is older than `[limits] pin_max_age_days`, or of unknown age.
fn pins_due(hall: &HallConfig, now: Timestamp) -> Vec<String> {
    let max = hall.limits.pin_max_age_days;
    if max == 0 {
        return Vec::new();
    }
    let today = time::day_number(time::local(now, hall.hall.utc_offset_min).0);
    let day_of = |s: &str| -> Option<i64> {
        let mut parts = s.splitn(3, '-');
        let y = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let d = parts.next()?.parse().ok()?;
        Some(time::days_from_civil(y, m, d))
    };
    hall.staff
        .iter()
        .filter(|s| s.pin_hash.is_some())
        .filter_map(|s| match s.pin_set.as_deref().and_then(day_of) {
            Some(set) if today - set <= i64::from(max) => None,
            Some(set) => Some(format!(
                "{:<10} set {} days ago (over {max}): hallq staff set-pin {} / 密码已超过 {max} 天未更换",
                s.number,
                today - set,
                s.number
            )),
            None => Some(format!(
                "{:<10} set on an unknown day: hallq staff set-pin {} / 密码设置日期不明",
                s.number, s.number
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use hallq_journal::{AuditRecord, Durability, Entry, Sealed};
    use hallq_proto::{BusinessDay, DeviceId, ErrorCode};

    use super::*;

    #[test]
    fn the_audit_shows_the_trail_the_refusals_and_what_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let now = Timestamp(1_795_399_200_000);
        {
            let mut j = Journal::open(&path, Durability::Normal).unwrap();
            j.commit(&[
                Entry::Audit(AuditRecord {
                    at: Timestamp(now.0 - 3_600_000),
                    actor: "cli:root".into(),
                    action: "device_revoked".into(),
                    subject: Some("kiosk-2".into()),
                    detail: "stolen".into(),
                }),
                Entry::Refusal {
                    at: Timestamp(now.0 - 60_000),
                    device: Some(DeviceId::new("kiosk-1").unwrap()),
                    command_id: None,
                    code: ErrorCode::RateLimited,
                    detail: String::new(),
                    payload_bytes: 10,
                },
                Entry::Personal(Sealed {
                    kind: PersonalKind::NoticePhone,
                    owner: "t1".into(),
                    day: BusinessDay(20261123),
                    at: Timestamp(now.0 - 2 * 86_400_000),
                    blind: "aa".into(),
                    nonce: vec![0; 12],
                    sealed: vec![1],
                }),
            ])
            .unwrap();
        }
        let hall =
            HallConfig::parse("[hall]\nid = \"demo\"\nname = { zh = \"演示\", en = \"Demo\" }\n")
                .unwrap();
        let text = audit(&Journal::open_read_only(&path).unwrap(), &hall, now, 7).unwrap();
        assert!(
            text.contains("device_revoked") && text.contains("kiosk-2"),
            "{text}"
        );
        assert!(
            text.contains("kiosk-1") && text.contains("rate_limited"),
            "{text}"
        );
        assert!(
            text.contains("notice_phone") && text.contains("oldest 2 days"),
            "{text}"
        );
        assert!(text.contains("retention 30 days"), "{text}");
        assert!(
            text.contains("staff PINs due") && text.contains("(none)"),
            "{text}"
        );
        // Older than the window: left out.
        let later = Timestamp(now.0 + 8 * 86_400_000);
        let text = audit(&Journal::open_read_only(&path).unwrap(), &hall, later, 7).unwrap();
        assert!(!text.contains("device_revoked"), "{text}");
    }

    #[test]
    fn pins_past_their_age_or_undated_are_named() {
        let now = Timestamp(1_795_399_200_000); // 2026-11-23 in Beijing
        let hall = HallConfig::parse(
            "[hall]\nid = \"demo\"\nname = { zh = \"演示\", en = \"Demo\" }\n\
             [[staff]]\nnumber = \"E1\"\npin_hash = \"x\"\npin_set = \"2026-11-01\"\n\
             [[staff]]\nnumber = \"E2\"\npin_hash = \"x\"\npin_set = \"2026-08-01\"\n\
             [[staff]]\nnumber = \"E3\"\npin_hash = \"x\"\n\
             [[staff]]\nnumber = \"E4\"\n",
        )
        .unwrap();
        let due = pins_due(&hall, now);
        assert_eq!(due.len(), 2, "{due:?}");
        assert!(
            due[0].starts_with("E2") && due[0].contains("114 days"),
            "{due:?}"
        );
        assert!(
            due[1].starts_with("E3") && due[1].contains("unknown"),
            "{due:?}"
        );
    }
}
