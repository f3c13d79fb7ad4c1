//! The kiosk starts in Chinese: every text of its view must have its Chinese translation.

const PO: &str = include_str!("../../../ui/translations/zh/LC_MESSAGES/hallq-kiosk.po");
const VIEWS: [&str; 3] = [
    include_str!("../../../ui/kiosk/kiosk.slint"),
    include_str!("../../../ui/common/widgets.slint"),
    include_str!("../../../ui/common/theme.slint"),
];

#[test]
fn every_kiosk_text_has_its_chinese() {
    let missing = hallq_ui::translations::missing(VIEWS, PO);
    assert!(
        missing.is_empty(),
        "not translated in hallq-kiosk.po: {missing:?}"
    );
    assert!(hallq_ui::translations::marked(VIEWS[0]).len() > 40);
}
