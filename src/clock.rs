//! Time comes in through [`Clock`] so that TTL arithmetic and expiry can be tested without sleeping.

use chrono::{DateTime, SubsecRound, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, truncated to milliseconds so that what is stored round-trips through RFC 3339.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}

/// A clock that stands still unless moved; for tests.
pub struct FixedClock(pub std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        FixedClock(std::sync::Mutex::new(t))
    }
    pub fn advance(&self, d: chrono::Duration) {
        let mut t = self.0.lock().expect("clock mutex");
        *t += d;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock mutex")
    }
}

/// RFC 3339 UTC with millisecond precision and a `Z`, the one time format of agentcred's output.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
