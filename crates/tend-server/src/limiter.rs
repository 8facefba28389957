//! Login rate limiting: at most a few failed logins per e-mail address and per
//! client address in a sliding window. A success clears the e-mail's counter.
//!
//! A small own limiter rather than `governor`: we count *failures* (a correct
//! password must not be locked out by someone else's successes), need two keys,
//! and want a clock the tests can move. Counters live in memory; a restart
//! forgets them, which costs an attacker nothing they could not get by waiting.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits and the counters.
#[derive(Debug)]
pub struct LoginLimiter {
    window: Duration,
    max_per_email: usize,
    max_per_ip: usize,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Default for LoginLimiter {
    /// 5 failures per e-mail and 20 per client address in 15 minutes.
    fn default() -> LoginLimiter {
        LoginLimiter::new(Duration::from_secs(15 * 60), 5, 20)
    }
}

impl LoginLimiter {
    /// A limiter with its own window and limits.
    pub fn new(window: Duration, max_per_email: usize, max_per_ip: usize) -> LoginLimiter {
        LoginLimiter {
            window,
            max_per_email,
            max_per_ip,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a login attempt for `email` from `ip` may be checked at `now`.
    pub fn allows(&self, email: &str, ip: &str, now: Instant) -> bool {
        let mut map = self.lock();
        let email_n = recent(&mut map, &email_key(email), now, self.window);
        let ip_n = recent(&mut map, &ip_key(ip), now, self.window);
        email_n < self.max_per_email && ip_n < self.max_per_ip
    }

    /// Records a failed attempt.
    pub fn failed(&self, email: &str, ip: &str, now: Instant) {
        let mut map = self.lock();
        for key in [email_key(email), ip_key(ip)] {
            map.entry(key).or_default().push(now);
        }
        // Keep memory bounded under a spray of addresses: drop stale keys now and then.
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < window));
        }
    }

    /// Records a success: the e-mail's failures are forgotten.
    pub fn succeeded(&self, email: &str) {
        self.lock().remove(&email_key(email));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Instant>>> {
        // A panic while holding the lock cannot leave the counters inconsistent.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn email_key(email: &str) -> String {
    format!("e:{}", email.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("i:{ip}")
}

fn recent(
    map: &mut HashMap<String, Vec<Instant>>,
    key: &str,
    now: Instant,
    window: Duration,
) -> usize {
    match map.get_mut(key) {
        Some(times) => {
            times.retain(|t| now.duration_since(*t) < window);
            times.len()
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_an_email_and_an_address_for_the_window() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 3, 5);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.allows("a@x.se", "1.1.1.1", t0));
            limiter.failed("A@x.se ", "1.1.1.1", t0);
        }
        assert!(
            !limiter.allows("a@x.se", "2.2.2.2", t0),
            "per e-mail, from anywhere"
        );
        assert!(limiter.allows("b@x.se", "1.1.1.1", t0));
        limiter.failed("b@x.se", "1.1.1.1", t0);
        limiter.failed("c@x.se", "1.1.1.1", t0);
        assert!(
            !limiter.allows("d@x.se", "1.1.1.1", t0),
            "per address, any e-mail"
        );
        let later = t0 + Duration::from_secs(61);
        assert!(
            limiter.allows("a@x.se", "1.1.1.1", later),
            "the window slides"
        );
    }

    #[test]
    fn a_success_clears_the_email() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 2, 100);
        let t0 = Instant::now();
        limiter.failed("a@x.se", "ip", t0);
        limiter.failed("a@x.se", "ip", t0);
        assert!(!limiter.allows("a@x.se", "ip", t0));
        limiter.succeeded("a@x.se");
        assert!(limiter.allows("a@x.se", "ip", t0));
    }
}
