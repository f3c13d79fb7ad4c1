//! The display shows Chinese first: every text of its views must have its Chinese, and the
//! English line shown beneath each fixed label must be that label's source text.

const PO: &str = include_str!("../../../ui/translations/zh/LC_MESSAGES/hallq-display.po");
const DISPLAY: &str = include_str!("../../../ui/display/display.slint");
const VIEWS: [&str; 4] = [
    DISPLAY,
    include_str!("../../../ui/display/led.slint"),
    include_str!("../../../ui/common/widgets.slint"),
    include_str!("../../../ui/common/theme.slint"),
];

#[test]
fn every_display_text_has_its_chinese() {
    let missing = hallq_ui::translations::missing(VIEWS, PO);
    assert!(
        missing.is_empty(),
        "not translated in hallq-display.po: {missing:?}"
    );
    assert!(hallq_ui::translations::marked(DISPLAY).len() > 15);
}

/// `english: "X"` and `english-title`/`english-body` literals: the English shown beneath a fixed
/// label. Each must be the source text of an `@tr`, or the two languages would say different
/// things.
#[test]
fn every_english_line_is_the_source_of_a_translated_label() {
    let marked = hallq_ui::translations::marked(DISPLAY);
    let mut english = Vec::new();
    for line in DISPLAY.lines().map(str::trim) {
        for key in ["english: \"", "english-title: \"", "english-body: \""] {
            if let Some(rest) = line.strip_prefix(key) {
                english.push(rest.trim_end_matches(';').trim_end_matches('"').to_owned());
            }
        }
    }
    assert!(english.len() > 10, "{english:?}");
    let stray: Vec<_> = english.iter().filter(|e| !marked.contains(*e)).collect();
    assert!(
        stray.is_empty(),
        "English lines without their @tr: {stray:?}"
    );
}
