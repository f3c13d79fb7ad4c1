//! The counter terminal and the pad start in Chinese: every text must have its Chinese.

const PO: &str = include_str!("../../../ui/translations/zh/LC_MESSAGES/hallq-counter.po");
const VIEWS: [&str; 7] = [
    include_str!("../../../ui/counter/counter.slint"),
    include_str!("../../../ui/counter/floor.slint"),
    include_str!("../../../ui/counter/resolve.slint"),
    include_str!("../../../ui/counter/evaluator.slint"),
    include_str!("../../../ui/counter/parts.slint"),
    include_str!("../../../ui/counter/inspect.slint"),
    include_str!("../../../ui/common/widgets.slint"),
];

#[test]
fn every_counter_and_pad_text_has_its_chinese() {
    let missing = hallq_ui::translations::missing(VIEWS, PO);
    assert!(
        missing.is_empty(),
        "not translated in hallq-counter.po: {missing:?}"
    );
}
