//! Views handed from the apps' tasks to the window's thread, the newest only.
//!
//! The apps compute a view on their tokio tasks and show it on Slint's event loop. Queueing one
//! closure per view lets the queue outgrow the window when drawing is slower than the views
//! come: the demo's display at ×120 (a new header minute every half second) with a loaded CPU
//! never showed its window, and a counter's clock stood minutes behind, each showing views that
//! were long stale. Here a view waits in one slot; a newer one replaces it, and the event loop is
//! woken only when the slot was empty, so at most one view waits and the window always shows the
//! newest it could draw.

use std::sync::{Arc, Mutex, PoisonError};

/// The slot between the tasks and the window's thread.
#[derive(Debug)]
struct Slot<T>(Mutex<Option<T>>);

impl<T> Slot<T> {
    /// Puts `view` in the slot; whether the window's thread must be woken to take it (the slot
    /// was empty: no wake is pending).
    fn put(&self, view: T) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(view)
            .is_none()
    }

    /// The view waiting, if any, leaving the slot empty.
    fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Shows views on the window's thread with one `apply`, the newest only. Cheap to clone.
pub struct Newest<T> {
    slot: Arc<Slot<T>>,
    apply: Arc<Mutex<dyn FnMut(T) + Send>>,
}

impl<T> Clone for Newest<T> {
    fn clone(&self) -> Self {
        Self {
            slot: Arc::clone(&self.slot),
            apply: Arc::clone(&self.apply),
        }
    }
}

impl<T> std::fmt::Debug for Newest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Newest").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Newest<T> {
    /// `apply` shows a view; it runs on the window's thread only.
    pub fn new(apply: impl FnMut(T) + Send + 'static) -> Self {
        Self {
            slot: Arc::new(Slot(Mutex::new(None))),
            apply: Arc::new(Mutex::new(apply)),
        }
    }

    /// Hands `view` to the window: shown at the event loop's next turn unless a newer one
    /// comes first. Callable from any thread.
    pub fn show(&self, view: T) {
        if !self.slot.put(view) {
            return;
        }
        let (slot, apply) = (Arc::clone(&self.slot), Arc::clone(&self.apply));
        let woken = slint::invoke_from_event_loop(move || {
            if let Some(view) = slot.take() {
                (apply.lock().unwrap_or_else(PoisonError::into_inner))(view);
            }
        });
        if woken.is_err() {
            // The event loop has ended (the window closed): nothing will take it.
            self.slot.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_put_while_one_waits_replace_it_and_wake_nobody() {
        let slot = Slot(Mutex::new(None));
        assert!(slot.put(1), "the first view wakes the window");
        assert!(!slot.put(2), "a wake is pending already");
        assert!(!slot.put(3));
        assert_eq!(slot.take(), Some(3), "the newest is shown");
        assert_eq!(slot.take(), None, "and once");
        assert!(
            slot.put(4),
            "after the window took it, the next wakes it again"
        );
    }
}
