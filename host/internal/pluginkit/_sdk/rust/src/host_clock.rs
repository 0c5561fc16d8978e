//! The time. `wasm32-unknown-unknown` has no clock of its own (`std::time::SystemTime::now`
//! and `Instant::now` panic there), but every Greenroom host links WASI preview 1 into
//! every module, with real clocks and no capability (abi/SPEC.md section 1), so a plugin
//! reads the time through WASI's `clock_time_get`. Only a module that calls these
//! functions imports it; the rest of the SDK needs no WASI.

/// The wall clock and a monotonic clock (always allowed).
pub mod clock {
    use crate::ffi;

    /// WASI's clock ids.
    const REALTIME: u32 = 0;
    const MONOTONIC: u32 = 1;

    /// The wall-clock time in milliseconds since the Unix epoch (UTC), as Go's
    /// `time.Now().UnixMilli()`; 0 if the host has no clock (none this SDK knows of).
    pub fn now_ms() -> i64 {
        (ffi::clock_time(REALTIME).unwrap_or(0) / 1_000_000) as i64
    }

    /// A monotonic clock in nanoseconds, for durations: only differences of two readings
    /// mean anything. 0 if the host has no clock.
    pub fn monotonic_ns() -> u64 {
        ffi::clock_time(MONOTONIC).unwrap_or(0)
    }

    /// The nanoseconds since `start` (an earlier [`monotonic_ns`]), never negative.
    pub fn since_ns(start: u64) -> u64 {
        monotonic_ns().saturating_sub(start)
    }
}

#[cfg(test)]
mod tests {
    use super::clock;
    use crate::testing;

    #[test]
    fn clocks() {
        testing::reset();
        let now = clock::now_ms();
        // After 2020 and before 2200: a real wall clock in milliseconds.
        assert!(now > 1_577_836_800_000 && now < 7_258_118_400_000, "now_ms {}", now);
        let t = clock::monotonic_ns();
        assert!(clock::monotonic_ns() >= t);
        assert!(clock::since_ns(u64::MAX) == 0);
        testing::set_now_ms(Some(1_000));
        assert_eq!(clock::now_ms(), 1_000);
        testing::set_now_ms(None);
        assert!(clock::now_ms() >= now);
    }
}
