//! What a process has used, read from `/proc` (Linux only): CPU time and peak memory, for the
//! cold-start and throughput benchmarks ([`crate::Function`]'s measuring methods).

use std::process::Command;
use std::time::Duration;

/// A process's CPU time in user space and in the kernel on its behalf.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuTime {
    pub user: Duration,
    pub system: Duration,
}

impl CpuTime {
    pub fn total(self) -> Duration {
        self.user + self.system
    }
}

impl std::ops::Sub for CpuTime {
    type Output = CpuTime;

    fn sub(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user - earlier.user,
            system: self.system - earlier.system,
        }
    }
}

pub(crate) fn cpu_time(pid: u32) -> CpuTime {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .expect("read /proc/<pid>/stat (Linux only)");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name.
    let time = |i: usize| {
        let ticks = fields[i].parse::<u64>().unwrap_or(0);
        Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second() as f64)
    };
    CpuTime {
        user: time(11),
        system: time(12),
    }
}

pub(crate) fn cpu_time_precise(pid: u32) -> Duration {
    let tasks =
        std::fs::read_dir(format!("/proc/{pid}/task")).expect("read /proc/<pid>/task (Linux only)");
    tasks
        .filter_map(|task| {
            let path = task.ok()?.path().join("schedstat");
            let text = std::fs::read_to_string(path).ok()?;
            text.split_whitespace().next()?.parse::<u64>().ok()
        })
        .map(Duration::from_nanos)
        .sum()
}

pub(crate) fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("read /proc/<pid>/status (Linux only)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            // The Linux default on every architecture Lambda runs.
            .unwrap_or(100)
    })
}
