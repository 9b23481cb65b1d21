//! The embedded default database: a private PostgreSQL cluster the program
//! starts itself from the machine's PostgreSQL binaries (initdb + pg_ctl), on a
//! unix socket in its own directory, kept between runs. As root (CI, some
//! servers) PostgreSQL refuses to run, so the cluster then runs as the
//! unprivileged `postgres` system user through `runuser`, in a directory that
//! user can reach.

use crate::error::CoreError;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Superuser name inside every cluster we create.
pub const SUPERUSER: &str = "postgres";
/// The database the program keeps its data in.
pub const DATABASE: &str = "citizen";
/// Socket port number; the socket lives in a private directory, so no clashes.
pub const PORT: u16 = 5432;
/// Demo logins created by `db start` (documented in the README).
pub const DEMO_LOGINS: &[(&str, &str, &str)] = &[
    ("clerk", "clerk", "citizen_clerk"),
    ("supervisor", "supervisor", "citizen_supervisor"),
    ("supervisor2", "supervisor2", "citizen_supervisor"),
    ("reader", "reader", "citizen_reader"),
];

/// A cluster directory: `data/` (PGDATA), `run/` (socket), `server.log`, `password`.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub dir: PathBuf,
    bin: PathBuf,
    /// Run PostgreSQL programs as this system user (when we are root).
    run_as: Option<String>,
}

/// What `db status` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterStatus {
    pub dir: PathBuf,
    pub initialised: bool,
    pub running: bool,
    pub run_as: Option<String>,
    pub socket_dir: PathBuf,
}

fn io_error(path: &Path, source: std::io::Error) -> CoreError {
    CoreError::Io { path: path.to_path_buf(), source }
}

/// True when this process runs as root (PostgreSQL refuses to).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Finds the directory holding initdb/pg_ctl/postgres: `CITIZEN_PG_BIN`, then
/// the newest `/usr/lib/postgresql/*/bin`, then `PATH`.
pub fn find_pg_bin() -> Result<PathBuf, CoreError> {
    if let Some(dir) = std::env::var_os("CITIZEN_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    if let Some((_, bin)) = candidates.pop() {
        return Ok(bin);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    Err(CoreError::PostgresMissing)
}

/// The default cluster directory: `CITIZEN_DB_DATA_DIR`, else under the user's
/// data directory; as root `/var/lib/citizen-db/pg`, which the `postgres` user can reach.
pub fn default_cluster_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CITIZEN_DB_DATA_DIR") {
        return PathBuf::from(dir);
    }
    if running_as_root() {
        return PathBuf::from("/var/lib/citizen-db/pg");
    }
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data_home.join("citizen-db").join("pg")
}

impl Cluster {
    /// A cluster handle for `dir` (nothing is started yet).
    pub fn new(dir: PathBuf) -> Result<Cluster, CoreError> {
        let bin = find_pg_bin()?;
        let run_as = running_as_root().then(|| SUPERUSER.to_owned());
        Ok(Cluster { dir, bin, run_as })
    }

    /// The cluster at the default location.
    pub fn default_location() -> Result<Cluster, CoreError> {
        Cluster::new(default_cluster_dir())
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn socket_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    fn password_file(&self) -> PathBuf {
        self.dir.join("superuser-password")
    }

    /// The superuser's password, created at initdb.
    pub fn superuser_password(&self) -> Result<String, CoreError> {
        let path = self.password_file();
        std::fs::read_to_string(&path).map(|p| p.trim().to_owned()).map_err(|e| io_error(&path, e))
    }

    /// Who the server runs as, for messages.
    pub fn run_as(&self) -> Option<&str> {
        self.run_as.as_deref()
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.arg("-u").arg(user).arg("--").arg(path);
                command
            }
            None => Command::new(path),
        }
    }

    fn run(&self, mut command: Command, what: &str) -> Result<(), CoreError> {
        let output = command.stdin(Stdio::null()).output().map_err(|e| io_error(&self.bin, e))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(CoreError::Cluster {
                dir: self.dir.clone(),
                message: format!(
                    "{what} failed: {}{}",
                    String::from_utf8_lossy(&output.stderr).trim(),
                    String::from_utf8_lossy(&output.stdout).trim()
                ),
            })
        }
    }

    pub fn is_initialised(&self) -> bool {
        self.data_dir().join("PG_VERSION").is_file()
    }

    /// Creates the cluster directory and runs initdb when needed.
    pub fn init(&self, fast_unsafe: bool) -> Result<(), CoreError> {
        if self.is_initialised() {
            return Ok(());
        }
        std::fs::create_dir_all(self.socket_dir()).map_err(|e| io_error(&self.dir, e))?;
        let password = generate_password();
        let password_path = self.password_file();
        std::fs::write(&password_path, &password).map_err(|e| io_error(&password_path, e))?;
        set_mode(&password_path, 0o600)?;
        set_mode(&self.dir, 0o700)?;
        if let Some(user) = &self.run_as {
            self.run(
                {
                    let mut c = Command::new("chown");
                    c.arg("-R").arg(format!("{user}:")).arg(&self.dir);
                    c
                },
                "chown",
            )?;
            if let Some(parent) = self.dir.parent() {
                set_mode(parent, 0o755)?;
            }
        }
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(self.data_dir())
            .arg("-U")
            .arg(SUPERUSER)
            .arg("--auth-local=scram-sha-256")
            .arg("--auth-host=scram-sha-256")
            .arg(format!("--pwfile={}", password_path.display()))
            .arg("-E")
            .arg("UTF8")
            .arg("--locale=C");
        if fast_unsafe {
            initdb.arg("--no-sync");
        }
        self.run(initdb, "initdb")
    }

    /// True when a server answers for this cluster.
    pub fn is_running(&self) -> bool {
        self.is_initialised()
            && self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .arg("status")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
    }

    fn server_options(&self, fast_unsafe: bool) -> String {
        let mut options = format!("-k {} -p {PORT} -c listen_addresses=''", self.socket_dir().display());
        if fast_unsafe {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        options.push_str(" -c max_connections=200 -c shared_buffers=128MB");
        options
    }

    /// Starts the server as a daemon (kept running after this process ends).
    pub fn start(&self) -> Result<(), CoreError> {
        self.init(false)?;
        if self.is_running() {
            return Ok(());
        }
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data_dir())
            .arg("-w")
            .arg("-t")
            .arg("30")
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-o")
            .arg(self.server_options(false))
            .arg("start");
        self.run(pg_ctl, "pg_ctl start")
    }

    /// Stops the server.
    pub fn stop(&self) -> Result<(), CoreError> {
        if !self.is_running() {
            return Ok(());
        }
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl.arg("-D").arg(self.data_dir()).arg("-m").arg("fast").arg("-w").arg("stop");
        self.run(pg_ctl, "pg_ctl stop")
    }

    /// Starts a throwaway server tied to this process: it stops when the
    /// returned guard drops, or when this process dies (its stdin pipe closes).
    pub fn start_attached(&self) -> Result<AttachedServer, CoreError> {
        self.init(true)?;
        let script = format!(
            "{postgres} -D {data} {options} >{log} 2>&1 & pid=$!; read _ignored; kill -INT $pid; wait $pid",
            postgres = self.bin.join("postgres").display(),
            data = self.data_dir().display(),
            options = self.server_options(true).replace("''", "\"\""),
            log = self.dir.join("server.log").display(),
        );
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg("sh").arg("-c").arg(&script);
                c
            }
            None => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(&script);
                c
            }
        };
        let child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io_error(&self.bin, e))?;
        let socket = self.socket_dir().join(format!(".s.PGSQL.{PORT}"));
        for _ in 0..300 {
            if socket.exists() {
                return Ok(AttachedServer { child: Some(child) });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Err(CoreError::Cluster {
            dir: self.dir.clone(),
            message: "the test server did not start within 6 s; see server.log".to_owned(),
        })
    }

    /// Status for `db status`.
    pub fn status(&self) -> ClusterStatus {
        ClusterStatus {
            dir: self.dir.clone(),
            initialised: self.is_initialised(),
            running: self.is_running(),
            run_as: self.run_as.clone(),
            socket_dir: self.socket_dir(),
        }
    }

    /// A libpq URL for the superuser (without the password).
    pub fn url(&self, user: &str) -> String {
        format!("postgresql://{user}@/{DATABASE}?host={}&port={PORT}", self.socket_dir().display())
    }
}

/// A server that lives as long as this guard (tests).
pub struct AttachedServer {
    child: Option<Child>,
}

impl Drop for AttachedServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), CoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| io_error(path, e))
}

/// A random password from the kernel's generator.
fn generate_password() -> String {
    let mut bytes = [0u8; 18];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    crate::contract::compile::hex(&bytes)
}
