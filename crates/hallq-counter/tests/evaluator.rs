//! The evaluator pad draws its four grades alike: the field test found the good ones filled and
//! the bad ones outlined, which steers the customer's rating.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_counter::ui::{self, EvaluatorWindow, Pad};
use hallq_ui::Snapshotter;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};

#[test]
fn the_four_grades_are_drawn_alike() {
    let shots = Snapshotter::install().unwrap();
    let window = EvaluatorWindow::new().unwrap();
    ui::set_language(false);
    ui::show_pad(&window, Pad::Asking, "A012", "3 号窗口");
    let (w, h) = (1280, 800);
    let pic = shots.take(w, h);
    let pixel = |x: f32, y: f32| {
        let i = ((y as u32 * w + x as u32) * 3) as usize;
        [pic.rgb[i], pic.rgb[i + 1], pic.rgb[i + 2]]
    };
    // Each grade's border (just inside its left edge) and fill (just inside its top edge).
    let looks: Vec<([u8; 3], [u8; 3])> = ["非常满意", "满意", "一般", "不满意"]
        .iter()
        .map(|label| {
            let b = ElementHandle::find_by_accessible_label(&window, label)
                .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
                .unwrap_or_else(|| panic!("no grade {label:?}"));
            let (p, s) = (b.absolute_position(), b.size());
            (
                pixel(p.x + 2.0, p.y + s.height / 2.0),
                pixel(p.x + s.width / 2.0, p.y + 10.0),
            )
        })
        .collect();
    assert!(
        looks.iter().all(|l| *l == looks[0]),
        "border and fill of each grade: {looks:?}"
    );
}
