//! The process metrics every Prometheus client library exports, read from `/proc` at
//! scrape time: what `prometheus_client`'s `ProcessCollector` does, field for field.
//!
//! `/proc/self/stat` gives CPU time and the start time in clock ticks (since boot),
//! `/proc/stat` the boot time, `/proc/self/status` the resident memory, `/proc/self/fd`
//! one entry per open descriptor and `/proc/self/limits` the descriptor limit. A tick
//! is 1/100 s: `sysconf(_SC_CLK_TCK)` is 100 on every Linux architecture the kernel
//! exports to user space, and calling it would take a C binding for one constant. On a
//! system without `/proc` the family is simply absent.

use std::fs;

use super::exposition::{Exposition, Kind};

/// Clock ticks per second (`USER_HZ`); see the module comment.
const TICKS_PER_SECOND: f64 = 100.0;

pub fn write(out: &mut Exposition) {
    if let Some(stat) = read_stat() {
        family(
            out,
            "process_cpu_seconds_total",
            Kind::Counter,
            "Total user and system CPU time spent in seconds.",
            (stat.user_ticks + stat.system_ticks) as f64 / TICKS_PER_SECOND,
        );
        if let Some(boot) = boot_time() {
            family(
                out,
                "process_start_time_seconds",
                Kind::Gauge,
                "Start time of the process since unix epoch in seconds.",
                boot + stat.start_ticks as f64 / TICKS_PER_SECOND,
            );
        }
    }
    let memory = [
        (
            "VmRSS:",
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
        ),
        (
            "VmSize:",
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
        ),
    ];
    for (key, name, help) in memory {
        if let Some(kib) = status_kib(key) {
            family(out, name, Kind::Gauge, help, (kib * 1024) as f64);
        }
    }
    if let Ok(entries) = fs::read_dir("/proc/self/fd") {
        // The directory handle itself is one of the entries, as in prometheus_client.
        let help = "Number of open file descriptors.";
        family(
            out,
            "process_open_fds",
            Kind::Gauge,
            help,
            entries.count() as f64,
        );
    }
    if let Some(max) = max_fds() {
        let help = "Maximum number of open file descriptors.";
        family(out, "process_max_fds", Kind::Gauge, help, max as f64);
    }
}

fn family(out: &mut Exposition, name: &str, kind: Kind, help: &str, value: f64) {
    out.family(name, kind, help);
    out.sample(name, &[], value);
}

struct Stat {
    user_ticks: u64,
    system_ticks: u64,
    start_ticks: u64,
}

/// Fields 14, 15 and 22 of `/proc/self/stat` (utime, stime, starttime). The second
/// field, the command name in parentheses, may contain spaces: count from its `)`.
fn read_stat() -> Option<Stat> {
    let text = fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &text[text.rfind(')')? + 1..];
    // After the name come field 3 (state) onwards: field N is at index N - 3.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(Stat {
        user_ticks: field(14)?,
        system_ticks: field(15)?,
        start_ticks: field(22)?,
    })
}

/// `btime` of `/proc/stat`: the boot time, in seconds since the epoch.
fn boot_time() -> Option<f64> {
    let text = fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|line| line.starts_with("btime "))?;
    line["btime ".len()..].trim().parse().ok()
}

/// A `kB` line of `/proc/self/status`, such as `VmRSS:   10240 kB`.
fn status_kib(key: &str) -> Option<u64> {
    let text = fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|line| line.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The soft limit of `Max open files` in `/proc/self/limits`.
fn max_fds() -> Option<u64> {
    let text = fs::read_to_string("/proc/self/limits").ok()?;
    let line = text
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_plausible_figures() {
        let stat = read_stat().expect("/proc/self/stat");
        let boot = boot_time().expect("btime");
        let started = boot + stat.start_ticks as f64 / TICKS_PER_SECOND;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        // The test binary started within the last hour, not in the future.
        assert!(
            started <= now + 1.0 && started > now - 3600.0,
            "{started} vs {now}"
        );
        assert!(status_kib("VmRSS:").unwrap() > 0);
        assert!(max_fds().unwrap() >= 16);
    }
}
