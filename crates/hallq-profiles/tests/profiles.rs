//! The firmware-profiles/ folder as the hub and CI read it: every profile loads and validates,
//! families share their bases, and each rule refuses what it should, naming file and key.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::{Path, PathBuf};

use hallq_profiles::{
    CodePage, DeviceKind, Orientation, ProfileError, Profiles, allowed_kinds, load_file, parse_str,
};
use hallq_proto::{Command, Score};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware-profiles")
}

fn text_of(name: &str) -> String {
    std::fs::read_to_string(folder().join(format!("{name}.toml"))).unwrap()
}

/// Loads `text` as if it were a profile file of the folder (so its packages resolve).
fn parse_as(text: &str) -> Result<hallq_profiles::Profile, ProfileError> {
    parse_str(text, &folder().join("under-test.toml"))
}

/// The error's text, asserting that it names the file and the given key.
fn refusal(result: Result<hallq_profiles::Profile, ProfileError>, key: &str) -> String {
    let err = result.expect_err("the profile must be refused");
    let text = err.to_string();
    assert!(text.contains("under-test.toml"), "names the file: {text}");
    assert!(
        err.problems().iter().any(|p| p.key == key),
        "names the key {key}: {text}"
    );
    text
}

#[test]
fn every_profile_in_the_folder_is_valid() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(folder()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            if let Err(e) = load_file(&path) {
                panic!("{e}");
            }
            names.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    let all = Profiles::load_dir(&folder()).unwrap();
    assert_eq!(all.len(), names.len());
    for wanted in [
        "kiosk-portrait-80mm",
        "kiosk-compact-58mm",
        "greeter-handheld",
        "counter-pc",
        "counter-keypad",
        "evaluator-4key",
        "led-strip-8",
        "display-1080p",
        "display-4k",
        "door-counter",
        "supervisor-console",
    ] {
        assert!(all.get(wanted).is_some(), "{wanted}.toml is missing");
    }
    // The shared bases are not devices.
    assert!(all.get("kiosk-base").is_none() && all.get("common").is_none());
}

#[test]
fn a_family_shares_one_base() {
    let all = Profiles::load_dir(&folder()).unwrap();
    let (big, small) = (
        all.get("kiosk-portrait-80mm").unwrap(),
        all.get("kiosk-compact-58mm").unwrap(),
    );
    // From the base: kind, commands, code page, vendor (a substitution of common.toml, two levels
    // down), the kiosk's timings.
    assert_eq!(big.kind(), DeviceKind::Kiosk);
    assert_eq!(small.kind(), DeviceKind::Kiosk);
    assert_eq!(big.commands, small.commands);
    assert_eq!(big.commands.len(), allowed_kinds(DeviceKind::Kiosk).len());
    assert_eq!(big.device.vendor, "hallq reference design");
    assert_eq!(small.device.vendor, big.device.vendor);
    assert_eq!(big.timings.idle_return_secs, 45);
    assert_eq!(big.timings.keepalive_secs, 5);
    // From each model's substitutions, typed: integers where the schema wants integers.
    let (bp, sp) = (
        big.printer.as_ref().unwrap(),
        small.printer.as_ref().unwrap(),
    );
    assert_eq!((bp.width_mm, sp.width_mm), (80, 58));
    assert_eq!((bp.chars_per_line(), sp.chars_per_line()), (48, 32));
    assert_eq!(bp.code_page, CodePage::Gb18030);
    assert_eq!(sp.code_page, CodePage::Gb18030);
    // The model overrides one key of a base table and keeps the others.
    assert!(bp.cutter && !sp.cutter);
    let (bs, ss) = (big.screen.as_ref().unwrap(), small.screen.as_ref().unwrap());
    assert_eq!((bs.width_px, bs.height_px), (1080, 1920));
    assert_eq!((ss.width_px, ss.height_px), (800, 1280));
    assert!(bs.touch && ss.touch);
    assert_eq!(ss.orientation(), Orientation::Portrait);

    let (hd, uhd) = (
        all.get("display-1080p").unwrap(),
        all.get("display-4k").unwrap(),
    );
    assert_eq!(hd.screen.as_ref().unwrap().width_px, 1920);
    assert_eq!(uhd.screen.as_ref().unwrap().height_px, 2160);
    assert_eq!(hd.commands, ["call_announced"]);
    assert_eq!(uhd.commands, hd.commands, "both from the display package");
    assert_eq!(hd.speaker.as_ref().unwrap().volume_pct, 85);
    assert_eq!(uhd.speaker.as_ref().unwrap().volume_pct, 90);
}

#[test]
fn the_keypad_and_the_evaluator_map_their_keys_to_the_contract() {
    let all = Profiles::load_dir(&folder()).unwrap();
    let keypad = all.get("counter-keypad").unwrap();
    for (key, command) in [
        ("call", "call_next"),
        ("recall", "recall"),
        ("no_show", "no_show"),
        ("transfer", "transfer"),
        ("pause", "pause"),
    ] {
        assert_eq!(keypad.key(key).unwrap().command, command);
    }
    let pad = all.get("evaluator-4key").unwrap();
    let scores: Vec<_> = pad
        .keys
        .iter()
        .map(|k| (k.label.zh.as_str(), k.score))
        .collect();
    assert_eq!(
        scores,
        [
            ("非常满意", Some(Score::VerySatisfied)),
            ("满意", Some(Score::Satisfied)),
            ("一般", Some(Score::Neutral)),
            ("不满意", Some(Score::Dissatisfied)),
        ]
    );
}

#[test]
fn package_cycles_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("packages")).unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "packages = [\"packages/b.toml\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("packages/b.toml"),
        "packages = [\"c.toml\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("packages/c.toml"),
        "packages = [\"../a.toml\"]\n",
    )
    .unwrap();
    let err = load_file(&dir.path().join("a.toml")).unwrap_err();
    assert!(matches!(err, ProfileError::Cycle { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("a.toml → b.toml → c.toml → a.toml") && text.contains("循环"),
        "{text}"
    );

    std::fs::write(dir.path().join("self.toml"), "packages = [\"self.toml\"]\n").unwrap();
    assert!(matches!(
        load_file(&dir.path().join("self.toml")),
        Err(ProfileError::Cycle { .. })
    ));
}

#[test]
fn packages_nested_too_deep_are_refused_and_shared_twice_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let depth = hallq_profiles::resolve::MAX_DEPTH + 2;
    for i in 0..depth {
        std::fs::write(
            dir.path().join(format!("p{i}.toml")),
            format!("packages = [\"p{}.toml\"]\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join(format!("p{depth}.toml")), "").unwrap();
    let err = load_file(&dir.path().join("p0.toml")).unwrap_err();
    assert!(matches!(err, ProfileError::TooDeep { .. }), "{err}");

    // A diamond (two packages sharing a third) is no cycle.
    let text = text_of("led-strip-8").replace(
        "packages = [\"packages/common.toml\"]",
        "packages = [\"packages/common.toml\", \"packages/common.toml\"]",
    );
    parse_as(&text).unwrap();
}

#[test]
fn unknown_keys_are_refused_with_their_name() {
    let text = text_of("led-strip-8").replace("lines = 1\n", "lines = 1\nwidht = 3\n");
    let err = refusal(parse_as(&text), "led.widht");
    assert!(err.contains("unknown field `widht`"), "{err}");

    let text = format!("colour = \"red\"\n{}", text_of("led-strip-8"));
    let err = refusal(parse_as(&text), "colour");
    assert!(err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn an_unknown_substitution_is_refused_with_its_key() {
    let text =
        text_of("kiosk-compact-58mm").replace("model = \"QK-1058C\"", "model = \"${modle}\"");
    let err = refusal(parse_as(&text), "device.model");
    assert!(err.contains("${modle}") && err.contains("未定义"), "{err}");
}

#[test]
fn an_evaluator_with_3_keys_is_refused() {
    let text = text_of("evaluator-4key");
    let cut = text.rfind("[[keys]]").unwrap();
    let err = refusal(parse_as(&text[..cut]), "keys");
    assert!(
        err.contains("exactly 4 keys") && err.contains("not 3") && err.contains("评价器"),
        "{err}"
    );
}

#[test]
fn an_evaluator_giving_one_score_twice_is_refused() {
    let text = text_of("evaluator-4key").replace("score = \"neutral\"", "score = \"satisfied\"");
    let err = refusal(parse_as(&text), "keys");
    assert!(err.contains("一般"), "{err}");
}

#[test]
fn a_display_listing_a_command_beyond_reporting_calls_is_refused() {
    let text = format!(
        "commands = [\"call_announced\", \"announcement_post\"]\n{}",
        text_of("display-1080p")
    );
    let err = refusal(parse_as(&text), "commands[1]");
    assert!(err.contains("may not send `announcement_post`"), "{err}");
}

#[test]
fn an_led_strip_listing_a_command_is_refused() {
    let text = text_of("led-strip-8").replace("commands = []", "commands = [\"call_next\"]");
    let err = refusal(parse_as(&text), "commands");
    assert!(err.contains("sends no commands"), "{err}");
}

#[test]
fn a_kiosk_listing_call_next_is_refused() {
    let mut commands: Vec<String> = allowed_kinds(DeviceKind::Kiosk)
        .iter()
        .map(|c| format!("{c:?}"))
        .collect();
    commands.push("\"call_next\"".into());
    let text = format!(
        "commands = [{}]\n{}",
        commands.join(", "),
        text_of("kiosk-portrait-80mm")
    );
    let index = format!("commands[{}]", commands.len() - 1);
    let err = refusal(parse_as(&text), &index);
    assert!(
        err.contains("a kiosk may not send `call_next`") && err.contains("取号机无权发送"),
        "{err}"
    );
}

#[test]
fn a_command_the_contract_does_not_have_is_refused() {
    let text = format!("commands = [\"rate\", \"rate_twice\"]\n{}", {
        let t = text_of("evaluator-4key");
        t.replace("commands = [\"rate\"]\n", "")
    });
    let err = refusal(parse_as(&text), "commands[1]");
    assert!(err.contains("not a command kind of the contract"), "{err}");
}

#[test]
fn a_keypad_key_mapped_to_a_command_not_in_its_list_is_refused() {
    let text = text_of("counter-keypad").replace("  \"transfer\",\n]", "]");
    let err = refusal(parse_as(&text), "keys[3].command");
    assert!(
        err.contains("key `transfer` sends `transfer`, which `commands` does not list"),
        "{err}"
    );
}

#[test]
fn kind_and_hardware_must_agree() {
    // A kiosk without its printer.
    let kiosk = "packages = [\"packages/common.toml\"]\ncommands = [\"issue_ticket\"]\n\
                 [device]\nkind = \"kiosk\"\nmodel = \"K\"\n\
                 [screen]\nwidth_px = 1080\nheight_px = 1920\ntouch = true\n";
    let err = refusal(parse_as(kiosk), "printer");
    assert!(err.contains("a kiosk has a ticket printer"), "{err}");

    // An LED strip without its character count.
    let strip = text_of("led-strip-8").replace("chars = 8\n", "");
    let err = refusal(parse_as(&strip), "led");
    assert!(err.contains("missing field `chars`"), "{err}");

    // A 76 mm printer, a code page other than GB18030, a zero-width screen, a wrong orientation.
    let bad = text_of("greeter-handheld")
        .replace("width_mm = 58", "width_mm = 76")
        .replace("width_px = 720", "width_px = 0");
    let err = parse_as(&bad).unwrap_err();
    let keys: Vec<_> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["screen.width_px", "printer.width_mm"], "{err}");
    let gbk = text_of("greeter-handheld").replace("\"gb18030\"", "\"gbk\"");
    refusal(parse_as(&gbk), "printer.code_page");
    let sideways =
        text_of("display-4k").replace("[screen]\n", "[screen]\norientation = \"portrait\"\n");
    // display-4k's base already sets landscape; the model's override is the one that counts.
    refusal(parse_as(&sideways), "screen.orientation");
}

/// hall.example.toml's devices name profiles that exist, of the kind of the device's role.
#[test]
fn the_example_halls_profiles_all_exist_in_the_folder() {
    let hall = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let hall: toml::Table = toml::from_str(&std::fs::read_to_string(hall).unwrap()).unwrap();
    let all = Profiles::load_dir(&folder()).unwrap();
    let devices = hall["devices"].as_array().unwrap();
    assert!(!devices.is_empty());
    for d in devices {
        let id = d["id"].as_str().unwrap();
        let role = d["role"].as_str().unwrap();
        let name = d["profile"].as_str().unwrap();
        let profile = all
            .get(name)
            .unwrap_or_else(|| panic!("{id}: no profile {name}"));
        assert_eq!(profile.kind().as_str(), role, "{id} runs {name}");
    }
}

/// The role table is the one docs/protocol.md publishes, cell for cell.
#[test]
fn the_role_table_is_the_one_the_protocol_documents() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md"),
    )
    .unwrap();
    let table = doc
        .split("### Who may send what")
        .nth(1)
        .unwrap()
        .lines()
        .skip_while(|l| !l.starts_with("| kind |"))
        .take_while(|l| l.starts_with('|'))
        .collect::<Vec<_>>();
    let columns = [
        DeviceKind::Kiosk,
        DeviceKind::Greeter,
        DeviceKind::Counter,
        DeviceKind::Evaluator,
        DeviceKind::Supervisor,
        DeviceKind::DoorCounter,
        DeviceKind::Display,
    ];
    let mut documented = 0;
    for row in &table[2..] {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        for kind in cells[0].split(',').map(|k| k.trim().trim_matches('`')) {
            assert!(Command::KINDS.contains(&kind), "{kind}");
            documented += 1;
            for (col, dk) in columns.iter().enumerate() {
                assert_eq!(
                    !cells[col + 1].is_empty(),
                    dk.may_send(kind),
                    "{dk} / {kind}"
                );
            }
            assert!(
                !DeviceKind::LedStrip.may_send(kind),
                "an LED strip sends nothing"
            );
        }
    }
    assert_eq!(documented, Command::KINDS.len());
}
