//! A PostgreSQL cluster on loopback as a deployment runs it: three nodes under Patroni, etcd as
//! Patroni's coordination store, synchronous replication in strict mode (a COMMIT is answered
//! only once a second node holds it), failover by Patroni. Started from Debian's packages by the
//! tests themselves, on ports of kordon's test range, in a temp directory.

use super::pg::{self, bin_dir, command, free_port, kill, own, postmaster_pid, spawn_kept};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub const SCOPE: &str = "kordon";
/// The superuser's password (Patroni connects with passwords; the tests trust loopback).
pub const PASSWORD: &str = "kordon";

/// One node: a Patroni process and the PostgreSQL it runs.
pub struct Node {
    pub name: String,
    pub pg_port: u16,
    pub api_port: u16,
    pub dir: PathBuf,
    patroni: Option<u32>,
}

pub struct Cluster {
    pub dir: PathBuf,
    pub nodes: Vec<Node>,
    etcd: u32,
    etcd_port: u16,
}

/// A member as Patroni's REST API lists it.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub role: String,
    pub state: String,
    pub timeline: Option<u64>,
    /// Bytes of WAL a replica is behind the leader (`None` for the leader, or unknown).
    pub lag: Option<u64>,
}

impl Cluster {
    /// Starts etcd and `n` Patroni nodes, and waits for a leader with a synchronous standby.
    pub fn start(n: usize) -> Cluster {
        let dir = pg::scratch("cluster");
        let etcd_port = free_port();
        let peer_port = free_port();
        let etcd_dir = dir.join("etcd");
        let mut c = Command::new("etcd");
        c.args(["--name", "e1", "--data-dir"]).arg(&etcd_dir).args([
            "--listen-client-urls",
            &format!("http://127.0.0.1:{etcd_port}"),
            "--advertise-client-urls",
            &format!("http://127.0.0.1:{etcd_port}"),
            "--listen-peer-urls",
            &format!("http://127.0.0.1:{peer_port}"),
            "--initial-advertise-peer-urls",
            &format!("http://127.0.0.1:{peer_port}"),
            "--initial-cluster",
            &format!("e1=http://127.0.0.1:{peer_port}"),
        ]);
        // Not PostgreSQL: etcd may run as anyone, and dies with the tests like the rest.
        use std::os::unix::process::CommandExt;
        // SAFETY: only prctl between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let etcd = spawn_kept(c, &dir.join("etcd.log"));
        assert!(
            pg::wait_for_port(etcd_port, Duration::from_secs(30)),
            "etcd did not start: {}",
            std::fs::read_to_string(dir.join("etcd.log")).unwrap_or_default()
        );
        let nodes: Vec<Node> = (0..n)
            .map(|i| Node {
                name: format!("pg{}", i + 1),
                pg_port: free_port(),
                api_port: free_port(),
                dir: dir.join(format!("pg{}", i + 1)),
                patroni: None,
            })
            .collect();
        let mut cluster = Cluster {
            dir,
            nodes,
            etcd,
            etcd_port,
        };
        for i in 0..n {
            cluster.write_config(i);
            cluster.start_node(i);
            if i == 0 {
                // The first node bootstraps the cluster; the others clone it.
                cluster.wait(Duration::from_secs(120), "a leader", |m| {
                    m.iter().any(|m| m.role == "leader" && m.state == "running")
                });
            }
        }
        cluster.wait_healthy(Duration::from_secs(180));
        cluster
    }

    fn write_config(&self, i: usize) {
        let node = &self.nodes[i];
        std::fs::create_dir_all(&node.dir).unwrap();
        let yaml = format!(
            r#"scope: {SCOPE}
name: {name}
restapi:
  listen: 127.0.0.1:{api}
  connect_address: 127.0.0.1:{api}
etcd3:
  hosts: 127.0.0.1:{etcd}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        synchronous_commit: "on"
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 100
  initdb:
    - encoding: UTF8
    - locale: C
    - data-checksums
postgresql:
  pg_hba:
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
    - local all all trust
  listen: 127.0.0.1:{port}
  connect_address: 127.0.0.1:{port}
  data_dir: {dir}/data
  bin_dir: {bin}
  pgpass: {dir}/pgpass
  authentication:
    superuser:
      username: {user}
      password: {PASSWORD}
    replication:
      username: replicator
      password: replicator
    rewind:
      username: {user}
      password: {PASSWORD}
  parameters:
    unix_socket_directories: {dir}
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
"#,
            name = node.name,
            api = node.api_port,
            etcd = self.etcd_port,
            port = node.pg_port,
            dir = node.dir.display(),
            bin = bin_dir().display(),
            user = pg::SUPERUSER,
        );
        std::fs::write(node.dir.join("patroni.yml"), yaml).unwrap();
        own(&node.dir);
    }

    /// Starts (or restarts) node `i`'s Patroni, which starts its PostgreSQL.
    pub fn start_node(&mut self, i: usize) {
        let node = &self.nodes[i];
        let mut c = command("patroni");
        c.arg(node.dir.join("patroni.yml"));
        let pid = spawn_kept(c, &node.dir.join("patroni.log"));
        self.nodes[i].patroni = Some(pid);
    }

    /// Kills node `i` the way a machine dies: Patroni and PostgreSQL with SIGKILL.
    pub fn kill_node(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        if let Some(p) = node.patroni.take() {
            kill(p, libc::SIGKILL);
        }
        if let Some(pm) = postmaster_pid(&node.dir.join("data")) {
            kill(pm, libc::SIGKILL);
        }
    }

    /// Starts node `i` again on an empty disk, the way a dead machine is replaced: Patroni
    /// clones it from the leader.
    pub fn replace_node(&mut self, i: usize) {
        let data = self.nodes[i].dir.join("data");
        let _ = std::fs::remove_dir_all(&data);
        self.start_node(i);
    }

    /// Kills only node `i`'s PostgreSQL (SIGKILL to the postmaster); its Patroni restarts it in
    /// place, with whatever its own WAL holds.
    pub fn kill_postgres(&self, i: usize) {
        if let Some(pm) = postmaster_pid(&self.nodes[i].dir.join("data")) {
            kill(pm, libc::SIGKILL);
        }
    }

    /// The members, as the first node's REST API that answers lists them.
    pub fn members(&self) -> Option<Vec<Member>> {
        for n in &self.nodes {
            let url = format!("http://127.0.0.1:{}/cluster", n.api_port);
            let agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(2)))
                .build()
                .new_agent();
            let Ok(mut resp) = agent.get(&url).call() else {
                continue;
            };
            let Ok(body) = resp.body_mut().read_to_string() else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) else {
                continue;
            };
            let members = v["members"].as_array()?;
            return Some(
                members
                    .iter()
                    .map(|m| Member {
                        name: m["name"].as_str().unwrap_or("").to_string(),
                        role: m["role"].as_str().unwrap_or("").to_string(),
                        state: m["state"].as_str().unwrap_or("").to_string(),
                        timeline: m["timeline"].as_u64(),
                        lag: m["lag"].as_u64(),
                    })
                    .collect(),
            );
        }
        None
    }

    /// Waits until the members satisfy `ok`; panics with the logs after `timeout`.
    pub fn wait(
        &self,
        timeout: Duration,
        what: &str,
        ok: impl Fn(&[Member]) -> bool,
    ) -> Vec<Member> {
        let until = Instant::now() + timeout;
        loop {
            if let Some(m) = self.members() {
                if ok(&m) {
                    return m;
                }
            }
            if Instant::now() > until {
                panic!(
                    "the cluster did not reach {what} in {timeout:?}: {:?}\n{}",
                    self.members(),
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits for a running leader and a streaming synchronous standby.
    pub fn wait_healthy(&self, timeout: Duration) -> Vec<Member> {
        self.wait(timeout, "a leader with a synchronous standby", |m| {
            m.iter().any(|m| m.role == "leader" && m.state == "running")
                // Patroni 3.0 says "running" of a replica, later releases "streaming".
                && m.iter().any(|m| {
                    m.role == "sync_standby" && (m.state == "streaming" || m.state == "running")
                })
        })
    }

    /// Waits until every node runs and every replica is within the failover lag limit. Kill a
    /// primary only then: Patroni 3.0 promotes only the synchronous standby, and that one defers
    /// to any replica whose WAL position is ahead of its own, so a replica still being cloned
    /// (or lagging oddly) could leave the cluster without a leader.
    pub fn wait_settled(&self, timeout: Duration) -> Vec<Member> {
        self.wait(timeout, "every node running, no replica lagging", |m| {
            m.len() == self.nodes.len()
                && m.iter().any(|m| m.role == "leader" && m.state == "running")
                && m.iter().any(|m| m.role == "sync_standby")
                && m.iter().filter(|m| m.role != "leader").all(|m| {
                    (m.state == "running" || m.state == "streaming")
                        && m.lag.is_some_and(|l| l < 1 << 20)
                })
        })
    }

    /// The index of the node that leads now.
    pub fn leader(&self) -> Option<usize> {
        let m = self.members()?;
        let name = m.iter().find(|m| m.role == "leader")?.name.clone();
        self.nodes.iter().position(|n| n.name == name)
    }

    /// The index of the synchronous standby.
    pub fn sync_standby(&self) -> Option<usize> {
        let m = self.members()?;
        let name = m.iter().find(|m| m.role == "sync_standby")?.name.clone();
        self.nodes.iter().position(|n| n.name == name)
    }

    /// A URL that reaches whichever node is primary: every node, `target_session_attrs`.
    pub fn url(&self, db: &str) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.pg_port))
            .collect();
        format!(
            "postgres://{}:{PASSWORD}@{}/{db}?target_session_attrs=read-write&connect_timeout=5",
            pg::SUPERUSER,
            hosts.join(",")
        )
    }

    /// A URL for node `i` alone (a hot standby, for read-only servers).
    pub fn node_url(&self, i: usize, db: &str) -> String {
        format!(
            "postgres://{}:{PASSWORD}@127.0.0.1:{}/{db}?connect_timeout=5",
            pg::SUPERUSER,
            self.nodes[i].pg_port
        )
    }

    /// Runs SQL on node `i`.
    pub fn psql(&self, i: usize, db: &str, sql: &str) -> Result<String, String> {
        pg::psql(self.nodes[i].pg_port, db, sql)
    }

    /// Creates a database on the leader; its name.
    pub fn create_db(&self, name: &str) -> String {
        let leader = self.leader().expect("a leader");
        self.psql(leader, "postgres", &format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("create database: {e}"));
        name.to_string()
    }

    /// The tail of every log, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for n in &self.nodes {
            for f in ["patroni.log"] {
                let text = std::fs::read_to_string(n.dir.join(f)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                out.push_str(&format!("--- {} {f}\n", n.name));
                for l in tail.into_iter().rev() {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill_node(i);
        }
        kill(self.etcd, libc::SIGKILL);
    }
}
