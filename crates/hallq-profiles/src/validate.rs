//! The rules a typed profile must follow beyond its types: the kind and the hardware agree, the
//! commands are the contract's and the kind's, the keys send listed commands, the values make
//! sense. Every broken rule is reported, each with its key.

use std::collections::HashSet;

use hallq_proto::{Command, Score};

use crate::error::Problem;
use crate::kind::{DeviceKind, allowed_kinds};
use crate::schema::{Orientation, Profile};

/// The evaluator's four keys, in the order they sit on the pad.
const SCORES: [(Score, &str); 4] = [
    (Score::VerySatisfied, "非常满意"),
    (Score::Satisfied, "满意"),
    (Score::Neutral, "一般"),
    (Score::Dissatisfied, "不满意"),
];

/// The printer widths there are paper rolls for.
const PRINTER_WIDTHS_MM: [u32; 2] = [58, 80];

/// Collects problems.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, key: impl Into<String>, en: impl Into<String>, zh: impl Into<String>) {
        self.0.push(Problem::new(key, en, zh));
    }
}

/// Every rule `p` breaks; empty if it is valid.
pub(crate) fn check(p: &Profile) -> Vec<Problem> {
    let mut out = Problems::default();
    identity(p, &mut out);
    commands(p, &mut out);
    hardware(p, &mut out);
    keys(p, &mut out);
    values(p, &mut out);
    out.0
}

fn identity(p: &Profile, out: &mut Problems) {
    for (key, value) in [
        ("device.model", &p.device.model),
        ("device.vendor", &p.device.vendor),
    ] {
        if value.trim().is_empty() {
            out.add(key, "must not be empty", "不能为空");
        }
    }
}

/// The command kind a device of `kind` exists to send, which its profile must list.
fn essential(kind: DeviceKind) -> Option<&'static str> {
    match kind {
        DeviceKind::Kiosk => Some("issue_ticket"),
        DeviceKind::Counter => Some("call_next"),
        DeviceKind::Evaluator => Some("rate"),
        DeviceKind::DoorCounter => Some("door_count"),
        _ => None,
    }
}

fn commands(p: &Profile, out: &mut Problems) {
    let kind = p.kind();
    let allowed = allowed_kinds(kind);
    if allowed.is_empty() && !p.commands.is_empty() {
        out.add(
            "commands",
            format!("{} sends no commands: leave `commands` empty", kind.en()),
            format!("{}不发送任何指令：`commands` 须为空", kind.zh()),
        );
        return;
    }
    let mut seen = HashSet::new();
    for (i, c) in p.commands.iter().enumerate() {
        let key = format!("commands[{i}]");
        if !Command::KINDS.contains(&c.as_str()) {
            out.add(
                key,
                format!("`{c}` is not a command kind of the contract (docs/protocol.md)"),
                format!("`{c}` 不是协议中的指令类型（docs/protocol.md）"),
            );
        } else if !allowed.contains(&c.as_str()) {
            out.add(
                key,
                format!(
                    "{} may not send `{c}` (the hub's role table, docs/protocol.md)",
                    kind.en()
                ),
                format!(
                    "{}无权发送 `{c}`（中枢的角色权限表，docs/protocol.md）",
                    kind.zh()
                ),
            );
        } else if !seen.insert(c.as_str()) {
            out.add(
                key,
                format!("`{c}` is listed twice"),
                format!("`{c}` 重复列出"),
            );
        }
    }
    if let Some(e) = essential(kind)
        && !p.may_send(e)
    {
        out.add(
            "commands",
            format!(
                "{} must list `{e}`: it is what the device is for",
                kind.en()
            ),
            format!("{}须列出 `{e}`：这是该设备的基本用途", kind.zh()),
        );
    }
}

/// Which hardware each kind must have, and which it may have.
fn hardware(p: &Profile, out: &mut Problems) {
    use DeviceKind as K;
    let kind = p.kind();
    let mut need = |has: bool, section: &str, en: &str, zh: &str| {
        if !has {
            out.add(
                section,
                format!("{} has {en}: add [{section}]", kind.en()),
                format!("{}须有{zh}：请添加 [{section}]", kind.zh()),
            );
        }
    };
    need(
        p.screen.is_some() || !matches!(kind, K::Kiosk | K::Greeter | K::Display | K::Supervisor),
        "screen",
        "a screen",
        "屏幕",
    );
    need(
        p.printer.is_some() || kind != K::Kiosk,
        "printer",
        "a ticket printer",
        "小票打印机",
    );
    need(
        p.led.is_some() || kind != K::LedStrip,
        "led",
        "an LED character display",
        "LED 字符屏",
    );
    need(
        p.door.is_some() || kind != K::DoorCounter,
        "door",
        "a people-counting sensor",
        "客流传感器",
    );
    if kind == K::Counter && p.screen.is_none() && p.keys.is_empty() {
        out.add(
            "keys",
            "a counter terminal needs a screen or keys to call with",
            "窗口终端须有屏幕或按键才能叫号",
        );
    }
    if let Some(s) = &p.screen
        && matches!(kind, K::Kiosk | K::Greeter)
        && !s.touch
    {
        out.add(
            "screen.touch",
            format!("{}'s screen is a touch screen: set touch = true", kind.en()),
            format!("{}的屏幕须为触摸屏：请设置 touch = true", kind.zh()),
        );
    }

    let mut refuse = |present: bool, section: &str, allowed: bool, en: &str, zh: &str| {
        if present && !allowed {
            out.add(
                section,
                format!("{} has no {en}: remove [{section}]", kind.en()),
                format!("{}没有{zh}：请删除 [{section}]", kind.zh()),
            );
        }
    };
    refuse(
        p.screen.is_some(),
        "screen",
        !matches!(kind, K::LedStrip | K::DoorCounter),
        "screen",
        "屏幕",
    );
    // A counter may have a receipt printer: the complaint receipt and the list of documents
    // still needed are handed over where the customer sits (hallq-print's `receipt` and
    // `documents`).
    refuse(
        p.printer.is_some(),
        "printer",
        matches!(kind, K::Kiosk | K::Greeter | K::Counter),
        "ticket printer",
        "小票打印机",
    );
    refuse(
        p.led.is_some(),
        "led",
        matches!(kind, K::LedStrip | K::Counter),
        "LED character display",
        "LED 字符屏",
    );
    refuse(
        !p.keys.is_empty(),
        "keys",
        matches!(kind, K::Counter | K::Evaluator),
        "hardware keys",
        "实体按键",
    );
    refuse(
        p.door.is_some(),
        "door",
        kind == K::DoorCounter,
        "people-counting sensor",
        "客流传感器",
    );
}

fn keys(p: &Profile, out: &mut Problems) {
    let mut ids = HashSet::new();
    for (i, k) in p.keys.iter().enumerate() {
        let key = |field: &str| format!("keys[{i}].{field}");
        if k.id.trim().is_empty() {
            out.add(key("id"), "must not be empty", "不能为空");
        } else if !ids.insert(k.id.as_str()) {
            out.add(
                key("id"),
                format!("key `{}` is listed twice", k.id),
                format!("按键 `{}` 重复", k.id),
            );
        }
        if !p.may_send(&k.command) {
            out.add(
                key("command"),
                format!(
                    "key `{}` sends `{}`, which `commands` does not list",
                    k.id, k.command
                ),
                format!(
                    "按键 `{}` 发送 `{}`，但 `commands` 中没有列出该指令",
                    k.id, k.command
                ),
            );
        }
        match (k.command == "rate", k.score) {
            (true, None) => out.add(
                key("score"),
                "a `rate` key gives a score: very_satisfied | satisfied | neutral | dissatisfied",
                "评价按键须指定评分：very_satisfied | satisfied | neutral | dissatisfied",
            ),
            (false, Some(_)) => out.add(
                key("score"),
                "only a `rate` key gives a score",
                "只有评价（rate）按键才有评分",
            ),
            _ => {}
        }
    }
    if p.kind() != DeviceKind::Evaluator {
        return;
    }
    let names = SCORES.map(|(_, zh)| zh).join(" / ");
    if p.keys.len() != SCORES.len() {
        out.add(
            "keys",
            format!(
                "an evaluator has exactly 4 keys ({names}), not {}",
                p.keys.len()
            ),
            format!("评价器须恰有 4 个按键（{names}），而非 {} 个", p.keys.len()),
        );
        return;
    }
    for (score, zh) in SCORES {
        let n = p.keys.iter().filter(|k| k.score == Some(score)).count();
        if n != 1 {
            out.add(
                "keys",
                format!("the score {zh} must be on exactly one key, not {n}"),
                format!("评分「{zh}」须恰好对应一个按键，而非 {n} 个"),
            );
        }
    }
}

fn values(p: &Profile, out: &mut Problems) {
    if let Some(s) = &p.screen {
        for (key, v) in [
            ("screen.width_px", s.width_px),
            ("screen.height_px", s.height_px),
        ] {
            if v == 0 {
                out.add(key, "a screen size is positive", "屏幕尺寸须为正数");
            }
        }
        if let Some(d) = s.diagonal_in
            && !(d.is_finite() && d > 0.0)
        {
            out.add(
                "screen.diagonal_in",
                "a screen size is positive",
                "屏幕尺寸须为正数",
            );
        }
        if let Some(o) = s.orientation {
            let tall = s.height_px > s.width_px;
            if (o == Orientation::Portrait) != tall {
                out.add(
                    "screen.orientation",
                    format!(
                        "{}×{} px is not {}",
                        s.width_px,
                        s.height_px,
                        if tall { "landscape" } else { "portrait" }
                    ),
                    format!(
                        "{}×{} 像素不是{}",
                        s.width_px,
                        s.height_px,
                        if tall { "横屏" } else { "竖屏" }
                    ),
                );
            }
        }
    }
    if let Some(pr) = &p.printer
        && !PRINTER_WIDTHS_MM.contains(&pr.width_mm)
    {
        out.add(
            "printer.width_mm",
            format!("a ticket printer is 58 or 80 mm wide, not {}", pr.width_mm),
            format!("小票打印机宽度须为 58 或 80 毫米，而非 {}", pr.width_mm),
        );
    }
    if let Some(led) = &p.led {
        for (key, v) in [("led.chars", led.chars), ("led.lines", led.lines)] {
            if v == 0 {
                out.add(key, "must be at least 1", "至少为 1");
            }
        }
    }
    if let Some(sp) = &p.speaker
        && sp.volume_pct > 100
    {
        out.add(
            "speaker.volume_pct",
            format!("a volume is 0–100 %, not {}", sp.volume_pct),
            format!("音量须为 0–100%，而非 {}", sp.volume_pct),
        );
    }
    if let Some(d) = &p.door
        && d.report_every_secs == 0
    {
        out.add("door.report_every_secs", "must be at least 1", "至少为 1");
    }
    let t = &p.timings;
    for (key, ok) in [
        ("timings.keepalive_secs", t.keepalive_secs >= 1),
        ("timings.attempts", t.attempts >= 1),
    ] {
        if !ok {
            out.add(key, "must be at least 1", "至少为 1");
        }
    }
    if t.reply_timeout_ms < 100 {
        out.add(
            "timings.reply_timeout_ms",
            "must be at least 100 ms: the hub commits to disk before it replies",
            "至少为 100 毫秒：中枢落盘后才回复",
        );
    }
}
