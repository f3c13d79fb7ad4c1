//! `hallq staff set-pin NUMBER`: gives a clerk a new PIN. The PIN is read from standard input,
//! checked against the hall's rules (6 to 12 digits, not one digit repeated, not a run such as
//! 123456), hashed memory-hard (Argon2id, 19 MiB) and written to hall.toml's `[[staff]]` entry
//! with the day it was set, in place (comments kept), after the same checks as the hub makes at
//! start. The PIN itself is never stored or shown; the change is audited. `hallq audit` names
//! the PINs older than `[limits] pin_max_age_days` (DOMAIN.md: staff change passwords regularly).

#![allow(clippy::print_stdout, reason = "the outcome is this command's output")]

use std::path::PathBuf;

use hallq_hub::HallConfig;
use hallq_hub::registry::Registry;
use hallq_hub::secret::{self, Strength};
use hallq_proto::{StaffNo, time};

/// Options of `hallq staff`.
#[derive(Debug, clap::Args)]
pub(crate) struct StaffArgs {
    #[command(subcommand)]
    command: StaffCmd,
}

#[derive(Debug, clap::Subcommand)]
enum StaffCmd {
    /// Set a clerk's PIN, read from standard input (one line). Adds the clerk to hall.toml if
    /// the staff number is new. Takes effect when the hub restarts.
    SetPin {
        /// The staff number (工号).
        number: String,
        /// The clerk's name, for the reports (a new clerk's, or to change it).
        #[arg(long)]
        name: Option<String>,
        /// The hall's configuration, edited in place.
        #[arg(long, env = "HALLQ_CONFIG", default_value = "hall.toml")]
        config: PathBuf,
    },
}

/// Runs `hallq staff …`.
pub(crate) fn run(args: &StaffArgs) -> anyhow::Result<()> {
    match &args.command {
        StaffCmd::SetPin {
            number,
            name,
            config,
        } => {
            let number =
                StaffNo::new(number.trim()).map_err(|e| anyhow::anyhow!("{e} / 工号无效"))?;
            let mut typed = String::new();
            std::io::stdin().read_line(&mut typed)?;
            let pin = typed.trim_end_matches(['\r', '\n']);
            check_pin(pin).map_err(anyhow::Error::msg)?;
            let hash = secret::hash(pin, Strength::Memorable)?;
            let now = crate::device_cmd::now();
            let edit = |r: &mut Registry, c: &HallConfig| {
                let date = time::iso_date(time::local(now, c.hall.utc_offset_min).0);
                r.set_pin(number.as_str(), name.as_deref(), &hash, &date)
            };
            let audited = crate::device_cmd::change(config, edit, "pin_set", number.as_str(), "")?;
            println!(
                "{number}: new PIN set; it works once the hub reloads hall.toml (systemctl reload hallq-hub).\n\
                 工号 {number} 的密码已更新，中枢重新加载配置后生效 (systemctl reload hallq-hub)。"
            );
            audited
        }
    }
}

/// The hall's rules for a PIN, with a message in Chinese and English.
fn check_pin(pin: &str) -> Result<(), String> {
    let digits: Vec<u32> = pin.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != pin.chars().count() || !(6..=12).contains(&digits.len()) {
        return Err("a PIN is 6 to 12 digits / 密码须为 6 至 12 位数字".into());
    }
    let same = digits.windows(2).all(|w| w[0] == w[1]);
    let up = digits.windows(2).all(|w| w[1] == (w[0] + 1) % 10);
    let down = digits.windows(2).all(|w| w[0] == (w[1] + 1) % 10);
    if same || up || down {
        return Err(
            "a PIN may not be one digit repeated or a run such as 123456 / 密码不能是重复数字或连续数字"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_pin;

    #[test]
    fn pins_too_short_long_or_guessable_are_refused() {
        for bad in [
            "12345",
            "1234567890123",
            "12a456",
            "111111",
            "123456",
            "654321",
            "890123",
        ] {
            let err = check_pin(bad).unwrap_err();
            assert!(err.contains('/'), "{bad}: {err}");
        }
        for good in ["246810", "907311", "120934567"] {
            assert!(check_pin(good).is_ok(), "{good}");
        }
    }
}
