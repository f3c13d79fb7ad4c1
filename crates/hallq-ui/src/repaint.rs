//! A whole-window repaint when the clock's minute or the language changes.
//!
//! Under X11 (winit, softbuffer, Slint 1.18's software renderer) the partial repaint can leave
//! a region stale: the field test found the header clock minutes behind and labels still in the
//! old language until the window was resized (issue 13, §1.1). It shows with the scale factors
//! the demo's windows use (0.45–0.6): the wall display's calls moved on while its clock stayed two
//! minutes behind. Slint has no public switch for partial rendering; rendering a snapshot puts
//! the renderer on a new buffer and back, which empties its partial-rendering cache, so the next
//! frame on screen is drawn in full. One extra frame a minute, and one at a language switch.

/// Makes the next frame of `window` repaint everything, not only what changed.
pub fn repaint_in_full(window: &slint::Window) {
    if let Err(e) = window.take_snapshot() {
        // A window not shown yet has nothing on screen to be stale.
        tracing::debug!(error = %e, "no full repaint");
    }
    window.request_redraw();
}
