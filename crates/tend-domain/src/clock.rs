//! The one source of "now": every piece of time-dependent logic (dashboard
//! windows, session expiry, snooze wake-ups, job scheduling) asks a [`Clock`]
//! instead of the wall clock, so tests pin time and never depend on the calendar.

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex, PoisonError};

/// Where "now" comes from: the system clock in production, a pinned (and
/// movable) instant in tests. Cheap to clone; clones of a pinned clock share it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    pinned: Option<Arc<Mutex<Timestamp>>>,
}

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Clock {
        Clock { pinned: None }
    }

    /// A clock that stands still at `at` until moved with [`Clock::set`] or
    /// [`Clock::advance`].
    pub fn pinned(at: Timestamp) -> Clock {
        Clock {
            pinned: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        match &self.pinned {
            None => Timestamp::now(),
            Some(at) => *at.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Whether this clock is pinned (a test clock).
    pub fn is_pinned(&self) -> bool {
        self.pinned.is_some()
    }

    /// Moves a pinned clock to `at`; the system clock ignores it.
    pub fn set(&self, at: Timestamp) {
        if let Some(pinned) = &self.pinned {
            *pinned.lock().unwrap_or_else(PoisonError::into_inner) = at;
        }
    }

    /// Moves a pinned clock forward by `by`; the system clock ignores it.
    pub fn advance(&self, by: SignedDuration) {
        if let Some(pinned) = &self.pinned {
            let mut at = pinned.lock().unwrap_or_else(PoisonError::into_inner);
            *at = at.saturating_add(by).unwrap_or(*at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_clock_stands_still_and_moves_only_when_told() {
        let at: Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
        let clock = Clock::pinned(at);
        let shared = clock.clone();
        assert_eq!(clock.now(), at);
        shared.advance(SignedDuration::from_hours(2));
        assert_eq!(clock.now(), at + SignedDuration::from_hours(2));
        clock.set(at);
        assert_eq!(shared.now(), at);
        assert!(clock.is_pinned() && !Clock::system().is_pinned());
    }

    #[test]
    fn the_system_clock_follows_the_wall_clock() {
        let before = Timestamp::now();
        let now = Clock::system().now();
        assert!(now >= before);
    }
}
