//! A Redis Sentinel set of the test's own: one master, two replicas and three sentinels (Debian's
//! `redis-server` and `redis-sentinel`, installed by `scripts/test`), on free loopback ports, in a fresh
//! directory, configured as `docs/deploy.md` tells production (`min-replicas-to-write 1`, so a restarted
//! old master without replicas refuses writes instead of taking ones that are then lost). Every process is
//! stopped by its PID on drop; the directory (with the logs) is kept when the test fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The master's name the sentinels monitor.
pub const MASTER_NAME: &str = "lms-test";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

fn binary(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// One process of the set.
struct Node {
    port: u16,
    args: Vec<String>,
    exe: String,
    log: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("a log file for a Redis process");
        let child = Command::new(&self.exe)
            .args(&self.args)
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): scripts/test installs redis-server and redis-sentinel",
                    self.exe
                )
            });
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("a running process").id();
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }
}

/// Which data node is which, by index into [`SentinelSet::data`].
pub struct SentinelSet {
    dir: PathBuf,
    data: Vec<Node>,
    sentinels: Vec<Node>,
    keep: bool,
}

/// Sends one command to `127.0.0.1:port` and answers its reply flattened to words (`ROLE` of a replica:
/// `slave 127.0.0.1 6380 connected 1234`).
pub fn command(port: u16, words: &[&str]) -> std::io::Result<String> {
    use std::io::{BufReader, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut request = format!("*{}\r\n", words.len());
    for w in words {
        request.push_str(&format!("${}\r\n{w}\r\n", w.len()));
    }
    stream.write_all(request.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut out = Vec::new();
    read_reply(&mut reader, &mut out)?;
    Ok(out.join(" "))
}

/// Reads one RESP reply, pushing each simple value (arrays flattened).
fn read_reply(reader: &mut impl std::io::BufRead, out: &mut Vec<String>) -> std::io::Result<()> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end();
    let (kind, rest) = line.split_at(line.len().min(1));
    match kind {
        "*" => {
            let n: i64 = rest.parse().unwrap_or(0);
            for _ in 0..n.max(0) {
                read_reply(reader, out)?;
            }
        }
        "$" => {
            if rest != "-1" {
                let mut value = String::new();
                reader.read_line(&mut value)?;
                out.push(value.trim_end().to_owned());
            }
        }
        _ => out.push(rest.to_owned()),
    }
    Ok(())
}

fn data_args(dir: &Path, port: u16, replica_of: Option<u16>) -> Vec<String> {
    let mut args: Vec<String> = [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--dir",
        &dir.display().to_string(),
        "--dbfilename",
        &format!("dump-{port}.rdb"),
        "--save",
        "",
        "--appendonly",
        "no",
        "--min-replicas-to-write",
        "1",
        "--min-replicas-max-lag",
        "5",
        "--replica-announce-ip",
        "127.0.0.1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some(master) = replica_of {
        args.extend([
            "--replicaof".to_owned(),
            "127.0.0.1".to_owned(),
            master.to_string(),
        ]);
    }
    args
}

impl SentinelSet {
    /// Starts the set and waits until the sentinels know the master and both replicas are in sync.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("lms-sentinel-{}", test_support::run_id()));
        std::fs::create_dir_all(&dir).expect("a directory for the Sentinel set");
        let server = binary("REDIS_SERVER_BIN", "redis-server");
        let sentinel = binary("REDIS_SENTINEL_BIN", "redis-sentinel");
        let master = free_port();
        let mut data = Vec::new();
        for (i, replica_of) in [None, Some(master), Some(master)].into_iter().enumerate() {
            let port = if i == 0 { master } else { free_port() };
            data.push(Node {
                port,
                args: data_args(&dir, port, replica_of),
                exe: server.clone(),
                log: dir.join(format!("redis-{port}.log")),
                child: None,
            });
        }
        let mut sentinels = Vec::new();
        for _ in 0..3 {
            let port = free_port();
            let conf = dir.join(format!("sentinel-{port}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "port {port}\nbind 127.0.0.1\ndir {}\nsentinel announce-ip 127.0.0.1\n\
                     sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2\n\
                     sentinel down-after-milliseconds {MASTER_NAME} 1000\n\
                     sentinel failover-timeout {MASTER_NAME} 2000\n\
                     sentinel parallel-syncs {MASTER_NAME} 2\n",
                    dir.display()
                ),
            )
            .expect("a sentinel config");
            sentinels.push(Node {
                port,
                args: vec![conf.display().to_string()],
                exe: sentinel.clone(),
                log: dir.join(format!("sentinel-{port}.log")),
                child: None,
            });
        }
        let mut set = Self {
            dir,
            data,
            sentinels,
            keep: false,
        };
        for node in set.data.iter_mut().chain(set.sentinels.iter_mut()) {
            node.start();
        }
        // Every sentinel must also know both replicas and the other sentinels: one that became leader
        // before its next INFO of the master (every 10 s) had listed the replicas would find no replica to
        // promote (`-failover-abort-no-good-slave`).
        set.wait_until(
            "both replicas in sync and every sentinel knowing both replicas and its peers",
            Duration::from_secs(30),
            |set| {
                let synced = set.data[1..].iter().all(|r| {
                    command(r.port, &["ROLE"]).is_ok_and(|role| role.contains("connected"))
                });
                let watching = set.sentinels.iter().all(|s| {
                    let master = command(
                        s.port,
                        &["SENTINEL", "get-master-addr-by-name", MASTER_NAME],
                    )
                    .is_ok_and(|a| a.contains(&set.data[0].port.to_string()));
                    let replicas = command(s.port, &["SENTINEL", "REPLICAS", MASTER_NAME])
                        .is_ok_and(|r| {
                            set.data[1..]
                                .iter()
                                .all(|d| r.contains(&d.port.to_string()))
                        });
                    let peers =
                        command(s.port, &["SENTINEL", "SENTINELS", MASTER_NAME]).is_ok_and(|r| {
                            set.sentinels
                                .iter()
                                .filter(|o| o.port != s.port)
                                .all(|o| r.contains(&o.port.to_string()))
                        });
                    master && replicas && peers
                });
                synced && watching
            },
        )
        .await;
        set
    }

    async fn wait_until(&mut self, what: &str, limit: Duration, ok: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + limit;
        while !ok(self) {
            if Instant::now() > deadline {
                self.keep = true;
                panic!(
                    "the Sentinel set: {what} not within {limit:?} (logs in {})",
                    self.dir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `host:port` of every sentinel, as `REDIS_SENTINELS` takes them.
    pub fn sentinel_list(&self) -> String {
        self.sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The port the sentinels name as master now.
    pub fn master_port(&self) -> Option<u16> {
        self.sentinels.iter().find_map(|s| {
            let answer = command(
                s.port,
                &["SENTINEL", "get-master-addr-by-name", MASTER_NAME],
            )
            .ok()?;
            answer.split_whitespace().last()?.parse().ok()
        })
    }

    /// Index of the data node listening on `port`.
    pub fn node_on(&self, port: u16) -> usize {
        self.data
            .iter()
            .position(|n| n.port == port)
            .expect("a data node on that port")
    }

    /// Kills data node `i` (SIGKILL: no shutdown, no final save).
    pub fn kill(&mut self, i: usize) {
        self.data[i].kill();
    }

    /// Starts data node `i` again with its first configuration (a killed master comes back as a master
    /// until the sentinels demote it).
    pub fn restart(&mut self, i: usize) {
        self.data[i].start();
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) data node `i`.
    pub fn freeze(&self, i: usize, frozen: bool) {
        self.data[i].signal(if frozen { "-STOP" } else { "-CONT" });
    }

    /// Waits until the sentinels name a master other than `old_port`; returns its port.
    pub async fn wait_for_new_master(&mut self, old_port: u16) -> u16 {
        self.wait_until("a new master named", Duration::from_secs(20), |set| {
            set.master_port().is_some_and(|p| p != old_port)
        })
        .await;
        self.master_port().expect("a master")
    }

    /// Waits until the data node on `port` is a replica again, in sync with the master.
    pub async fn wait_until_demoted(&mut self, port: u16) {
        self.wait_until(
            "the old master demoted and in sync",
            Duration::from_secs(30),
            |_| {
                command(port, &["ROLE"])
                    .is_ok_and(|role| role.contains("slave") && role.contains("connected"))
            },
        )
        .await;
    }
}

impl Drop for SentinelSet {
    fn drop(&mut self) {
        for node in self.sentinels.iter_mut().chain(self.data.iter_mut()) {
            if node.child.is_some() {
                // Thawed first, so a frozen node exits as promptly as the others.
                let _ = Command::new("kill")
                    .args([
                        "-CONT",
                        &node.child.as_ref().map_or(0, Child::id).to_string(),
                    ])
                    .status();
            }
            node.kill();
        }
        if !self.keep && !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
