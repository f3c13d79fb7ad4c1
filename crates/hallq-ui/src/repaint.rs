//! Why the apps do not force whole-window repaints (issue 13, §1.1): what was found.
//!
//! The field saw windows under X11 (winit, softbuffer, Slint 1.18's software renderer) with a
//! language switch half applied, and the redraw test's counter failed about one run in four:
//! its look three seconds after the clerk's "English" showed the `@tr` labels in English beside
//! the counter's name and the queue names still in Chinese, where a full redraw (a resize)
//! showed them English. The workaround then was a snapshot (`Window::take_snapshot`) at every
//! minute and language change, meant to empty the partial renderer's cache.
//!
//! What the apps' logs showed in a failing run (the counter's view and snapshot logged with
//! their times, the snapshot saved): the look was taken *before* the counter had applied the
//! English view, not after a frame that left it unpainted. Slint's own state (the snapshot taken
//! when the view was applied) had the English names; the screen caught up a moment later.
//! Two things put the view behind the labels:
//! - The counter switched Slint's translations (every `@tr` label) in the button's callback,
//!   and the texts the view brings in the clerk's language (the counter's name, the queues'
//!   names) at the view loop's next tick, up to a second later: two frames, the first one half
//!   switched.
//! - The snapshot itself: a whole-window software render (and a copy into a straight-alpha
//!   buffer) on the UI thread. In that run (a debug build on the loaded two-core test machine)
//!   the 11:00 snapshot, with the experiment's PNG write of it, held the event loop from
//!   06:28:01.48 to 06:28:06.26; the test's look was taken at 06:28:06.34 and the English view
//!   applied at 06:28:07.52. The press and the next view waited behind it; a release build
//!   pays a smaller render every minute.
//!
//! With both gone the test saw no half switched look; without the fix its watching variant
//! fails on the first run with the field's picture (labels English, names Chinese).
//!
//! And the snapshot could not help: Slint's `SoftwareRenderer` already repaints whatever
//! changed. `take_snapshot` sets `RepaintBufferType::NewBuffer` (which empties the partial
//! renderer's cache), renders off screen without touching that cache, and restores the
//! previous type (which empties it again); with an empty cache every item counts as new and the
//! next frame on screen is painted in full anyway, so the snapshot neither caused the stale look
//! nor changed the next frame. Where a frame on screen is concerned the winit backend's
//! `renderer/sw.rs` maps softbuffer's buffer age (X11: 1 once presented, 0 after a resize) to
//! `ReusedBuffer`/`NewBuffer`, and the dirty region comes from each item's property tracker.
//!
//! So: no forced repaint. The counter applies a language switch with its view in one callback
//! (as the kiosk does), woken at once rather than at the next tick; the kiosk, counter and wall
//! display repaint what changed. The redraw tests (`tests/tests/redraw.rs`) watch for a half
//! switched look and compare the settled window with a full redraw.
