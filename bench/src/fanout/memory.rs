//! Resident memory and CPU time of the processes under test, from /proc (Linux), and the
//! machine's load average, so a noisy run can be told apart. CPU time is what a process
//! spent, however long it waited for a core: on a shared machine it says more about the
//! cost of the work than the delays do.

use anyhow::Context;

/// VmRSS of `pid` in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// User plus system CPU time of `pid` (`self` for this process), in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of stat(5); USER_HZ is 100 on Linux.
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// The memory of the router (and optionally of the process serving the subgraphs) at one
/// stage of the run.
pub struct Sample {
    pub stage: &'static str,
    pub router_kib: Option<u64>,
    pub subgraphs_kib: Option<u64>,
    /// CPU seconds so far of the router, the subgraphs' process and this one.
    pub router_cpu: Option<f64>,
    pub subgraphs_cpu: Option<f64>,
    pub bench_cpu: Option<f64>,
}

pub struct Memory {
    router: Option<u32>,
    subgraphs: Option<u32>,
    pub samples: Vec<Sample>,
}

impl Memory {
    pub fn new(router: Option<u32>, subgraphs: Option<u32>) -> anyhow::Result<Self> {
        // Fail before the long setup rather than after it.
        for pid in router.iter().chain(subgraphs.iter()) {
            rss_kib(*pid)?;
        }
        Ok(Self {
            router,
            subgraphs,
            samples: Vec::new(),
        })
    }

    pub fn sample(&mut self, stage: &'static str) {
        let read = |pid: Option<u32>| pid.and_then(|pid| rss_kib(pid).ok());
        let cpu = |pid: Option<u32>| pid.and_then(|pid| cpu_seconds(&pid.to_string()));
        self.samples.push(Sample {
            stage,
            router_cpu: cpu(self.router),
            subgraphs_cpu: cpu(self.subgraphs),
            bench_cpu: cpu_seconds("self"),
            router_kib: read(self.router),
            subgraphs_kib: read(self.subgraphs),
        });
    }
}
