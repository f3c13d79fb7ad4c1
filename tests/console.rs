//! The supervisor's console as its binary shows it, under Slint's testing backend: fed from a
//! real device client, at the console profile's 1920×1080.

use hallq_client::DeviceClient;
use hallq_counter::floor::Supervisor;
use hallq_counter::ui::{self, SupervisorAdapter, SupervisorWindow};
use hallq_proto::Lang;
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle as _;

/// What the supervisor's console (fed with what `client` has heard, as its binary feeds it) says
/// above everything in `lang`; a notice shown off the 1920×1080 screen fails the test.
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failed test")]
pub fn supervisor_notice(client: &DeviceClient, lang: Lang) -> String {
    // Slint's platform is set once a process.
    static PLATFORM: std::sync::Once = std::sync::Once::new();
    PLATFORM.call_once(i_slint_backend_testing::init_no_event_loop);
    let window = SupervisorWindow::new().unwrap();
    window
        .window()
        .set_size(slint::PhysicalSize::new(1920, 1080));
    let mut s = Supervisor::default();
    for u in client.latest().into_updates() {
        s.feed(u);
    }
    ui::show_supervisor(&window, &s, hallq_ui::app::wall_clock(), lang);
    let notice = window.global::<SupervisorAdapter>().get_hub_notice();
    if !notice.is_empty() {
        let on_screen =
            ElementHandle::find_by_accessible_label(&window, notice.as_str()).any(|e| {
                let (p, size) = (e.absolute_position(), e.size());
                p.y >= 0.0 && p.y + size.height <= 1080.0 && p.x + size.width <= 1920.0
            });
        assert!(on_screen, "{notice:?} is not on the 1920×1080 screen");
    }
    notice.to_string()
}
