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
/// Demo logins created by `db start --demo` only (documented in the README):
/// login, password, role.
pub const DEMO_LOGINS: &[(&str, &str, &str)] = &[
    ("clerk", "clerk", "citizen_clerk"),
    ("supervisor", "supervisor", "citizen_supervisor"),
    ("supervisor2", "supervisor2", "citizen_supervisor"),
    ("reader", "reader", "citizen_reader"),
    ("admin", "admin", "citizen_admin"),
];
/// The comment that marks a demo login (`COMMENT ON ROLE`), so the program can
/// tell they exist.
pub const DEMO_COMMENT: &str = "citizen-db demo login";

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

    /// Creates the cluster directory and runs initdb when needed. Only what
    /// this program creates is ever given a mode or an owner: existing
    /// ancestors are checked, never changed, and a non-empty directory that is
    /// not one of our clusters is refused.
    pub fn init(&self, fast_unsafe: bool) -> Result<(), CoreError> {
        let owner = match &self.run_as {
            Some(user) => Some(system_user(user).ok_or_else(|| CoreError::Cluster {
                dir: self.dir.clone(),
                message: format!("the system user '{user}' that runs PostgreSQL for root does not exist"),
            })?),
            None => None,
        };
        self.check_existing(owner.as_ref())?;
        if self.is_initialised() {
            return Ok(());
        }
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            prepare_ancestors(parent, owner.as_ref())?;
        }
        make_private_dir(&self.dir)?;
        make_private_dir(&self.socket_dir())?;
        let password_path = self.password_file();
        write_private_file(&password_path, &generate_password())?;
        if let Some(user) = &self.run_as {
            self.run(
                {
                    let mut c = Command::new("chown");
                    c.arg("-R").arg(format!("{user}:")).arg(&self.dir);
                    c
                },
                "chown",
            )?;
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

    /// Refuses a cluster directory that exists and is not ours: owned by
    /// someone else, or non-empty without our layout.
    fn check_existing(&self, owner: Option<&SystemUser>) -> Result<(), CoreError> {
        use std::os::unix::fs::MetadataExt;
        let metadata = match std::fs::symlink_metadata(&self.dir) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(&self.dir, e)),
        };
        let refuse = |why: String| CoreError::Cluster {
            dir: self.dir.clone(),
            message: format!(
                "{why}; it is left untouched. Set CITIZEN_DB_DATA_DIR to a new or empty directory \
                 (as root, one under /var/lib or /tmp)"
            ),
        };
        if !metadata.is_dir() {
            return Err(refuse("this path exists and is not a directory".to_owned()));
        }
        let me = current_uid();
        let ours = Some(metadata.uid()) == me || owner.is_some_and(|o| o.uid == metadata.uid());
        if !ours {
            return Err(refuse(format!("this directory belongs to another user (uid {})", metadata.uid())));
        }
        if self.is_initialised() {
            return Ok(());
        }
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&self.dir, e))?;
            let name = entry.file_name();
            let known = matches!(name.to_str(), Some("run" | "server.log" | "superuser-password"));
            if !known {
                return Err(refuse(format!(
                    "this directory is not empty and is not a Citizen DB cluster (it holds {:?}, and no data/PG_VERSION)",
                    name
                )));
            }
        }
        Ok(())
    }

    /// Checks the server can be started by `pg_ctl` from this directory:
    /// pg_ctl writes the data directory and log into a shell command line
    /// between double quotes, where these characters would be interpreted.
    fn check_pg_ctl_path(&self) -> Result<(), CoreError> {
        let text = self.dir.to_string_lossy();
        match text.chars().find(|c| matches!(c, '"' | '$' | '`' | '\\' | '\n')) {
            Some(c) => Err(CoreError::Cluster {
                dir: self.dir.clone(),
                message: format!(
                    "pg_ctl cannot start a server in a directory whose path holds the character {c:?}; \
                     set CITIZEN_DB_DATA_DIR to another directory"
                ),
            }),
            None => Ok(()),
        }
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

    /// The server's options as one shell-quoted string (pg_ctl -o splits it
    /// like a shell; `start_attached` hands it to `sh`).
    fn server_options(&self, fast_unsafe: bool) -> String {
        let mut options = format!("-k {} -p {PORT} -c listen_addresses=''", shell_quote(&self.socket_dir()));
        if fast_unsafe {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        options.push_str(" -c max_connections=200 -c shared_buffers=128MB");
        options
    }

    /// Starts the server as a daemon (kept running after this process ends).
    pub fn start(&self) -> Result<(), CoreError> {
        self.check_pg_ctl_path()?;
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
    /// returned guard drops, or when this process dies (its stdin pipe
    /// closes), and its whole cluster directory is removed then.
    pub fn start_attached(&self) -> Result<AttachedServer, CoreError> {
        self.init(true)?;
        let script = format!(
            "{postgres} -D {data} {options} >{log} 2>&1 & pid=$!; read _ignored; kill -INT $pid; wait $pid; rm -rf {dir}",
            dir = shell_quote(&self.dir),
            postgres = shell_quote(&self.bin.join("postgres")),
            data = shell_quote(&self.data_dir()),
            options = self.server_options(true),
            log = shell_quote(&self.dir.join("server.log")),
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
        // Ready when the postmaster says so in postmaster.pid (its status line
        // reads "ready"): the socket alone appears while the server is still
        // starting up and refusing connections.
        let socket = self.socket_dir().join(format!(".s.PGSQL.{PORT}"));
        let pid_file = self.data_dir().join("postmaster.pid");
        let ready = || {
            socket.exists()
                && std::fs::read_to_string(&pid_file)
                    .map(|text| text.lines().nth(7).is_some_and(|status| status.trim() == "ready"))
                    .unwrap_or(false)
        };
        for _ in 0..1500 {
            if ready() {
                return Ok(AttachedServer { child: Some(child), dir: self.dir.clone() });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Err(CoreError::Cluster {
            dir: self.dir.clone(),
            message: "the test server did not start within 30 s; see server.log".to_owned(),
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

    /// A libpq URL for `user` (without the password).
    pub fn url(&self, user: &str) -> String {
        let host = percent_encode(&self.socket_dir().to_string_lossy());
        format!("postgresql://{}@/{DATABASE}?host={host}&port={PORT}", percent_encode(user))
    }
}

/// A server that lives as long as this guard (tests).
pub struct AttachedServer {
    child: Option<Child>,
    /// The throwaway cluster directory, removed once the server is down (the
    /// script removes it too when this process dies without dropping us).
    dir: PathBuf,
}

impl Drop for AttachedServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), CoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| io_error(path, e))
}

/// `text` as one word for `sh` (and pg_ctl's option splitter): in single
/// quotes, a single quote written as `'\''`.
pub fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

/// Percent-encodes everything but unreserved characters and `/` (URL parts).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A system user's ids, from `/etc/passwd`.
#[derive(Debug, Clone, Copy)]
struct SystemUser {
    uid: u32,
    gid: u32,
}

fn system_user(name: &str) -> Option<SystemUser> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name).then_some(())?;
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some(SystemUser { uid, gid })
    })
}

/// This process's effective uid (from `/proc/self/status`).
fn current_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("Uid:"))?.split_whitespace().nth(2)?.parse().ok()
}

/// Makes sure every ancestor of the cluster directory exists and, when the
/// server runs as `owner`, that `owner` can pass through it. Missing ones are
/// created (0755, so `owner` can pass); existing ones are never changed: one
/// `owner` cannot pass through is a clear error instead.
fn prepare_ancestors(parent: &Path, owner: Option<&SystemUser>) -> Result<(), CoreError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let mut missing = Vec::new();
    let mut existing = Vec::new();
    for ancestor in parent.ancestors().filter(|a| !a.as_os_str().is_empty()) {
        match std::fs::metadata(ancestor) {
            Ok(metadata) => existing.push((ancestor.to_path_buf(), metadata)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && existing.is_empty() => {
                missing.push(ancestor.to_path_buf())
            }
            Err(e) => return Err(io_error(ancestor, e)),
        }
    }
    if let Some(owner) = owner {
        for (dir, metadata) in &existing {
            let mode = metadata.mode();
            let passable = if metadata.uid() == owner.uid {
                mode & 0o100 != 0
            } else if metadata.gid() == owner.gid {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            };
            if !passable {
                return Err(CoreError::Cluster {
                    dir: dir.clone(),
                    message: format!(
                        "the server runs as the system user 'postgres' (this program runs as root), and that user \
                         cannot reach the cluster through {} (mode {:o}); this program does not change it. \
                         Set CITIZEN_DB_DATA_DIR to a directory under /var/lib or /tmp",
                        dir.display(),
                        mode & 0o7777
                    ),
                });
            }
        }
    }
    for dir in missing.iter().rev() {
        let created = std::fs::DirBuilder::new().mode(0o755).create(dir);
        match created {
            Ok(()) => set_mode(dir, 0o755)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error(dir, e)),
        }
    }
    Ok(())
}

/// Creates `dir` private to its owner (0700), or makes our existing one private.
fn make_private_dir(dir: &Path) -> Result<(), CoreError> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => set_mode(dir, 0o700),
        Err(e) => Err(io_error(dir, e)),
    }
}

/// Writes a new file readable by its owner only, from its first byte on (a
/// leftover of an earlier attempt is replaced).
fn write_private_file(path: &Path, content: &str) -> Result<(), CoreError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(path, e)),
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    file.write_all(content.as_bytes()).map_err(|e| io_error(path, e))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A scratch directory under /tmp, removed with everything in it on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("citizen-embedded-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn shell_quoting_survives_spaces_and_quotes() {
        assert_eq!(shell_quote(Path::new("/tmp/a b")), "'/tmp/a b'");
        assert_eq!(shell_quote(Path::new("/tmp/it's")), "'/tmp/it'\\''s'");
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", shell_quote(Path::new("/x/it's a \"dir\" $HOME"))))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(String::from_utf8_lossy(&output.stdout), "/x/it's a \"dir\" $HOME");
    }

    #[test]
    fn a_directory_with_a_space_and_a_quote_runs_a_server() {
        let Ok(cluster_probe) = find_pg_bin() else { return };
        assert!(cluster_probe.join("postgres").is_file(), "no postgres in {}", cluster_probe.display());
        let scratch = Scratch::new("quoted");
        let dir = scratch.0.join("it's a cluster");
        let cluster = Cluster::new(dir.clone()).unwrap_or_else(|e| panic!("{e}"));
        let server = cluster.start_attached().unwrap_or_else(|e| panic!("{e}"));
        assert!(cluster.socket_dir().join(format!(".s.PGSQL.{PORT}")).exists());
        assert_eq!(mode(&dir), 0o700, "the cluster directory is private");
        assert_eq!(mode(&cluster.password_file()), 0o600, "the password file is private");
        let password = cluster.superuser_password().unwrap_or_else(|e| panic!("{e}"));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let runtime = runtime.unwrap_or_else(|e| panic!("{e}"));
        let answer: i32 = runtime.block_on(async {
            let options = sqlx::postgres::PgConnectOptions::new()
                .host(&cluster.socket_dir().to_string_lossy())
                .port(PORT)
                .username(SUPERUSER)
                .password(&password)
                .database("postgres");
            let mut connection = sqlx::ConnectOptions::connect(&options).await.unwrap_or_else(|e| panic!("{e}"));
            sqlx::query_scalar("SELECT 41 + 1").fetch_one(&mut connection).await.unwrap_or_else(|e| panic!("{e}"))
        });
        assert_eq!(answer, 42);
        drop(server);
        assert!(!dir.exists(), "a throwaway cluster is removed when its server stops");
    }

    #[test]
    fn a_foreign_non_empty_directory_is_refused_and_left_alone() {
        let scratch = Scratch::new("foreign");
        std::fs::create_dir_all(&scratch.0).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(scratch.0.join("notes.txt"), "mine").unwrap_or_else(|e| panic!("{e}"));
        set_mode(&scratch.0, 0o755).unwrap_or_else(|e| panic!("{e}"));
        let cluster = Cluster { dir: scratch.0.clone(), bin: PathBuf::from("/nonexistent"), run_as: None };
        let error = cluster.init(true).expect_err("refused");
        assert!(error.to_string().contains("not a Citizen DB cluster"), "{error}");
        assert_eq!(mode(&scratch.0), 0o755);
        assert!(scratch.0.join("notes.txt").is_file());
    }

    #[test]
    fn an_ancestor_postgres_cannot_pass_is_refused_not_changed() {
        if !running_as_root() {
            return;
        }
        let scratch = Scratch::new("closed");
        std::fs::create_dir_all(&scratch.0).unwrap_or_else(|e| panic!("{e}"));
        set_mode(&scratch.0, 0o700).unwrap_or_else(|e| panic!("{e}"));
        let tmp_mode = mode(Path::new("/tmp"));
        let cluster = Cluster::new(scratch.0.join("deeper/pg"));
        let cluster = cluster.unwrap_or_else(|e| panic!("{e}"));
        let error = cluster.init(true).expect_err("refused");
        let text = error.to_string();
        assert!(text.contains("CITIZEN_DB_DATA_DIR") && text.contains(&*scratch.0.to_string_lossy()), "{text}");
        assert_eq!(mode(&scratch.0), 0o700, "the ancestor keeps its mode");
        assert!(!scratch.0.join("deeper").exists(), "nothing is created after a refusal");
        assert_eq!(mode(Path::new("/tmp")), tmp_mode);
    }

    #[test]
    fn missing_ancestors_are_created_passable() {
        if !running_as_root() || find_pg_bin().is_err() {
            return;
        }
        let scratch = Scratch::new("ancestors");
        let tmp_mode = mode(Path::new("/tmp"));
        let cluster = Cluster::new(scratch.0.join("a/b/pg")).unwrap_or_else(|e| panic!("{e}"));
        cluster.init(true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&scratch.0.join("a")), 0o755);
        assert_eq!(mode(&scratch.0.join("a/b/pg")), 0o700);
        assert!(cluster.is_initialised());
        assert_eq!(mode(Path::new("/tmp")), tmp_mode, "/tmp is never changed");
    }
}
