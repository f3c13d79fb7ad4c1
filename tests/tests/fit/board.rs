//! The English wall display's board (issue 13 §1.11): each business name at the size of the
//! board's other names, wrapped between words where it must, inside its row.

use super::*;

/// The English wall display, live, at its profile's 1080p and 4K: each business name is drawn
/// at 28 px bold on the 1920-wide design, wrapped between words where it must and inside its
/// row; "Basic services (plan change, top-up)" was drawn smaller to fit one line.
fn english_board_names_fit(profile: &str) {
    let mut live = LiveDisplay::start(Lang::En);
    let view = live.until("the example hall's five queues", |v| v.queues.len() == 5);
    let (window, scale) = window_showing(profile, Lang::En, &view);
    let what = format!("{profile}, English");
    for q in &view.queues {
        let name = &q.name.main;
        assert_whole_wrapped(&window, name, 28.0 * scale, 700, &what);
        // The row (the largest element with the name as its label) holds it.
        let text = text_element(&window, name);
        let row = ElementHandle::find_by_accessible_label(&window, name)
            .max_by(|a, b| a.size().height.total_cmp(&b.size().height))
            .unwrap();
        let (t, r) = (text.absolute_position().y, row.absolute_position().y);
        assert!(
            t + 0.5 >= r && t + text.size().height <= r + row.size().height + 0.5,
            "{what}: {name:?} ({t} to {} px) overflows its row ({r} to {} px)",
            t + text.size().height,
            r + row.size().height
        );
    }
    // The rows below a taller one moved down with it: the board is still on the screen.
    let last = view.queues.last().unwrap();
    let row = ElementHandle::find_by_accessible_label(&window, &last.name.main)
        .max_by(|a, b| a.size().height.total_cmp(&b.size().height))
        .unwrap();
    let (_, h) = profile_screen(profile);
    assert!(
        row.absolute_position().y + row.size().height <= h as f32,
        "{what}: the last queue's row ends below the screen"
    );
}

#[test]
fn the_english_wall_display_draws_long_names_at_the_size_of_the_others() {
    english_board_names_fit("display-1080p");
}

#[test]
fn the_english_4k_wall_display_draws_long_names_at_the_size_of_the_others() {
    english_board_names_fit("display-4k");
}
