//! Durations as users write them (`90s`, `15m`, `1h30m`, `7d`) and as agentcred prints them.

use crate::error::{Error, Result};

/// Parses `90s`, `15m`, `1h30m`, `7d`, `2w`: one or more number+unit pairs, largest unit first is not
/// required. A bare number is refused so that `--ttl 5` cannot silently mean five seconds.
pub fn parse(text: &str) -> Result<chrono::Duration> {
    let bad = || {
        Error::usage(format!("invalid duration '{text}'"))
            .hint("write it as a number and a unit: 90s, 15m, 1h30m, 7d")
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit: i64 = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .filter(|t| *t <= 100 * 365 * 86_400)
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(chrono::Duration::seconds(total))
}

/// The inverse of [`parse`], shortest form: `1h30m`, `7d`, `0s`.
pub fn format(d: chrono::Duration) -> String {
    let mut secs = d.num_seconds();
    if secs <= 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// A clap value parser for duration flags.
pub fn arg(text: &str) -> std::result::Result<chrono::Duration, String> {
    parse(text).map_err(|e| {
        let hint = e.hint_text().unwrap_or_default();
        format!("{e}; {hint}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("90s").unwrap().num_seconds(), 90);
        assert_eq!(parse("15m").unwrap().num_seconds(), 900);
        assert_eq!(parse("1h30m").unwrap().num_seconds(), 5_400);
        assert_eq!(parse("7d").unwrap().num_seconds(), 604_800);
    }

    #[test]
    fn refuses_bare_numbers_and_junk() {
        for bad in ["", "5", "m", "1x", "-1s", "1.5h", "99999999999999999999d"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    proptest! {
        #[test]
        fn format_round_trips(secs in 1i64..10_000_000) {
            let d = chrono::Duration::seconds(secs);
            prop_assert_eq!(parse(&format(d)).unwrap(), d);
        }
    }
}

/// A point in time as users write it: a duration ago (`1h`, `7d`) or RFC 3339.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeArg {
    Ago(chrono::Duration),
    At(chrono::DateTime<chrono::Utc>),
}

impl TimeArg {
    pub fn resolve(self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        match self {
            TimeArg::Ago(d) => now - d,
            TimeArg::At(t) => t,
        }
    }
}

/// clap value parser for [`TimeArg`].
pub fn time_arg(text: &str) -> std::result::Result<TimeArg, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(TimeArg::At(t.to_utc()));
    }
    parse(text).map(TimeArg::Ago).map_err(|_| {
        format!(
            "'{text}' is neither a duration (1h, 7d) nor an RFC 3339 time (2026-01-31T12:00:00Z)"
        )
    })
}
