//! How the apps keep their windows painted whole (issue 13, §1.1): what was found, twice.
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
//! Nor did the snapshot do what it was meant to. `take_snapshot` sets `RepaintBufferType::NewBuffer` (which empties the partial
//! renderer's cache), renders off screen without touching that cache, and restores the
//! previous type (which empties it again); with an empty cache every item counts as new and the
//! next frame on screen is painted in full: a whole render off screen, and one more on it. Where a frame on screen is concerned the winit backend's
//! `renderer/sw.rs` maps softbuffer's buffer age (X11: 1 once presented, 0 after a resize) to
//! `ReusedBuffer`/`NewBuffer`, and the dirty region comes from each item's property tracker.
//!
//! That was not all (stop 24). CI's run of the wall display's test
//! (`redraw::the_wall_display_s_clock_follows_every_minute_while_a_busy_day_is_called`) found
//! the header's clock stale, and with the display's log kept beside the pictures the cause was
//! plain: the view with 08:49 reached the window at 09:34:25.97, views with a new board went on
//! reaching it every half second (each a new set of models: most of the window repainted), and
//! at 09:34:29.55 the window's header still showed 08:38, a view eleven seconds and eleven
//! minutes old; a resize showed 08:49. So Slint 1.18.1's partial renderer (winit, softbuffer,
//! X11) can leave a changed item unpainted while frames are drawn around it, and the item that
//! changes least often (the clock, once a minute) stays wrong longest. Its cause inside Slint
//! was not found.
//!
//! So: a forced repaint, but a cheap one on the window's own thread, not a snapshot. Each app's
//! window ends with `RepaintAll` (ui/common/widgets.slint), a rectangle over the whole window
//! that draws nothing (alpha 0 in both of its colours) and whose colour follows the `Repaint`
//! global's phase. The apps flip the phase when a rarely changing part of their view changes
//! (the clock's minute, the language, the screen or mode): that changes the rectangle, which
//! marks the whole window for the next frame, and the frame is painted whole. A frame more a
//! minute, drawn like any other; nothing waits for it. The counter applies a language switch
//! with its view in one callback (as the kiosk does), woken at once rather than at the next tick.
//! The redraw tests (`tests/tests/redraw.rs`) watch for a half switched look, wait for the view
//! to reach the window (the app's log) and the window to hold still, and compare it with a full
//! redraw.
