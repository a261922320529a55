//! Time comes in through [`Clock`] so that TTL arithmetic and expiry can be tested without sleeping.

use chrono::{DateTime, SubsecRound, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, truncated to milliseconds so that what is stored round-trips through RFC 3339.
///
/// In a debug build (what `cargo test` runs), `AGENTCRED_TEST_CLOCK_SKEW_MS` moves it forward by
/// that many milliseconds: how the integration tests let a TTL or an overlap window pass without
/// sleeping through it. A release build ignores the variable: whoever sets a process's
/// environment must not be able to move its clock (and so revive an expired credential).
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        (Utc::now() + test_skew()).trunc_subsecs(3)
    }
}

/// The variable a debug build reads its clock's skew from (see [`SystemClock`]).
pub const TEST_SKEW_ENV: &str = "AGENTCRED_TEST_CLOCK_SKEW_MS";

#[cfg(debug_assertions)]
fn test_skew() -> chrono::Duration {
    static SKEW: std::sync::OnceLock<chrono::Duration> = std::sync::OnceLock::new();
    *SKEW.get_or_init(|| {
        let ms = std::env::var(TEST_SKEW_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|ms| *ms > 0)
            .unwrap_or(0);
        chrono::Duration::milliseconds(ms)
    })
}

#[cfg(not(debug_assertions))]
fn test_skew() -> chrono::Duration {
    chrono::Duration::zero()
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

/// Serde for stored timestamps: exactly the text chrono writes (RFC 3339 in UTC with a `Z` and 0,
/// 3, 6 or 9 fractional digits) and everything chrono reads, without chrono's formatting and
/// parsing machinery on the common path. A state of 10,000 agents holds tens of thousands of
/// timestamps, and through chrono they were a fifth of its serialisation time.
///
/// Use as `#[serde(with = "crate::clock::ts")]`, or `crate::clock::ts::option` for an `Option`.
pub mod ts {
    use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};
    use serde::{Deserializer, Serialize, Serializer, de};

    /// The longest form: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
    const MAX_LEN: usize = 30;

    /// Formats `t` as chrono's serde does, for years 0-9999 (else `None`: chrono writes those).
    pub fn format(t: &DateTime<Utc>, out: &mut [u8; MAX_LEN]) -> Option<usize> {
        let (year, nanos) = (t.year(), t.nanosecond());
        if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
            return None;
        }
        fn put(out: &mut [u8], at: usize, value: u32, digits: usize) {
            let mut v = value;
            for slot in out[at..at + digits].iter_mut().rev() {
                *slot = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        put(out, 0, year as u32, 4);
        put(out, 5, t.month(), 2);
        put(out, 8, t.day(), 2);
        put(out, 11, t.hour(), 2);
        put(out, 14, t.minute(), 2);
        put(out, 17, t.second(), 2);
        for (i, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
            out[i] = c;
        }
        let (value, digits) = if nanos == 0 {
            (0, 0)
        } else if nanos % 1_000_000 == 0 {
            (nanos / 1_000_000, 3)
        } else if nanos % 1_000 == 0 {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        let mut n = 19;
        if digits > 0 {
            out[19] = b'.';
            put(out, 20, value, digits);
            n = 20 + digits;
        }
        out[n] = b'Z';
        Some(n + 1)
    }

    /// Parses the strict form [`format`] writes; anything else goes through chrono, which accepts
    /// any offset, a lowercase `t` or `z`, and leap seconds.
    pub fn parse(text: &str) -> Option<DateTime<Utc>> {
        fast(text.as_bytes()).or_else(|| {
            text.parse::<DateTime<FixedOffset>>()
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
    }

    fn fast(b: &[u8]) -> Option<DateTime<Utc>> {
        if b.len() < 20 || b.len() > MAX_LEN || b[b.len() - 1] != b'Z' {
            return None;
        }
        let num = |from: usize, len: usize| -> Option<u32> {
            b[from..from + len].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if seps.iter().any(|&(i, c)| b[i] != c) {
            return None;
        }
        let nanos = match b.len() {
            20 => 0,
            22..=30 if b[19] == b'.' => {
                let digits = b.len() - 21;
                num(20, digits)? * 10u32.pow(9 - digits as u32)
            }
            _ => return None,
        };
        let second = num(17, 2)?;
        if second > 59 {
            return None;
        }
        NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?
            .and_hms_nano_opt(num(11, 2)?, num(14, 2)?, second, nanos)
            .map(|t| t.and_utc())
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; MAX_LEN];
        match format(t, &mut buf) {
            Some(n) => s.serialize_str(std::str::from_utf8(&buf[..n]).expect("ASCII")),
            None => t.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(Visitor)
    }

    struct Visitor;

    impl de::Visitor<'_> for Visitor {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 timestamp")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            parse(v).ok_or_else(|| E::custom(format!("invalid timestamp {v:?}")))
        }
    }

    /// The same for `Option<DateTime<Utc>>` (`null` or absent is `None`).
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] DateTime<Utc>);
            Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(t)| t))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    fn chrono_text(t: &DateTime<Utc>) -> String {
        serde_json::to_string(t).unwrap()
    }

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Stored {
        #[serde(with = "super::ts")]
        at: DateTime<Utc>,
        #[serde(
            default,
            with = "super::ts::option",
            skip_serializing_if = "Option::is_none"
        )]
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn timestamps_are_written_and_read_exactly_as_chrono_does() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases: Vec<DateTime<Utc>> = vec![
            Utc.timestamp_opt(0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
        ];
        for _ in 0..20_000 {
            let secs = (next() % 400_000_000_000) as i64 - 100_000_000_000;
            let nanos = match next() % 4 {
                0 => 0,
                1 => (next() % 1000) as u32 * 1_000_000,
                2 => (next() % 1_000_000) as u32 * 1000,
                _ => (next() % 1_000_000_000) as u32,
            };
            cases.push(Utc.timestamp_opt(secs, nanos).unwrap());
        }
        for t in cases {
            let stored = Stored {
                at: t,
                maybe: Some(t),
            };
            let ours = serde_json::to_string(&stored).unwrap();
            let expected = format!(r#"{{"at":{0},"maybe":{0}}}"#, chrono_text(&t));
            assert_eq!(ours, expected);
            assert_eq!(serde_json::from_str::<Stored>(&ours).unwrap(), stored);
        }
    }

    #[test]
    fn anything_chrono_reads_still_reads() {
        for text in [
            "2026-11-25T22:48:06.375Z",
            "2026-11-25T22:48:06Z",
            "2026-11-25t22:48:06.1z",
            "2026-11-25T23:48:06.375+01:00",
            "2026-11-25T22:48:06.123456789123Z",
            "2016-12-31T23:59:60Z",
            "2026-11-25 22:48:06Z",
        ] {
            let json = format!(r#"{{"at":"{text}"}}"#);
            let chrono: DateTime<Utc> = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            let ours: Stored = serde_json::from_str(&json).unwrap();
            assert_eq!(ours.at, chrono, "{text}");
        }
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "yesterday",
            "2026-11-25T22:48:06.Z",
        ] {
            let json = format!(r#"{{"at":"{bad}"}}"#);
            assert!(serde_json::from_str::<Stored>(&json).is_err(), "{bad}");
        }
        let absent: Stored = serde_json::from_str(r#"{"at":"2026-11-25T22:48:06Z"}"#).unwrap();
        assert_eq!(absent.maybe, None);
        let null: Stored =
            serde_json::from_str(r#"{"at":"2026-11-25T22:48:06Z","maybe":null}"#).unwrap();
        assert_eq!(null.maybe, None);
    }
}
