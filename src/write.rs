//! Output stage: the one way manifesto writes files. Must not decide what to write, only
//! how: a unique temp file created exclusively beside the target, fsync, rename, fsync of
//! the folder; multi-file writes go through a journal (`Plan`) so that a re-run after a
//! crash at any point completes them. Nothing is written outside the root it is given.
//!
//! Why a journal: a SIGKILL between two renames of a scaffold would otherwise leave a tree
//! that is half old, half new, and a state file that no longer matches it. With the journal
//! every file is always old or new, and the next run finishes the renames first.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// The journal of an unfinished multi-file write, in the plan's root.
pub const JOURNAL: &str = ".manifesto-plan.json";
/// Every temp file manifesto creates ends so; a re-run removes its own leftovers.
pub const TEMP_SUFFIX: &str = ".manifesto-tmp";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    // The cause is the error's source, printed by `{:#}` after this text: not repeated here.
    #[error("{}: {op}", path.display())]
    Io {
        path: PathBuf,
        op: &'static str,
        source: io::Error,
    },
    #[error("{}: refusing to write outside {}: {why}", path, root.display())]
    Escapes {
        root: PathBuf,
        path: String,
        why: String,
    },
    #[error("{}: unreadable journal of an interrupted write ({why}); remove it to start over", path.display())]
    Journal { path: PathBuf, why: String },
}

pub type Result<T> = std::result::Result<T, WriteError>;

fn io_err(path: &Path, op: &'static str) -> impl FnOnce(io::Error) -> WriteError + use<> {
    let path = path.to_path_buf();
    // tempfile's errors carry the path again ("... at path X"): keep the OS error alone.
    move |source| WriteError::Io {
        path,
        op,
        source: match source.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => source,
        },
    }
}

/// Fault injection for the crash tests: with `MANIFESTO_TEST_CRASH_AT=N` set, the process
/// aborts (no destructors, no clean-up, like a kill) at the Nth step of a plan's commit.
/// Unset, this costs one cached environment look-up per commit.
fn crash_point() {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static AT: OnceLock<Option<u64>> = OnceLock::new();
    static STEP: AtomicU64 = AtomicU64::new(0);
    if let Some(at) = AT.get_or_init(|| {
        std::env::var("MANIFESTO_TEST_CRASH_AT")
            .ok()
            .and_then(|v| v.parse().ok())
    }) && STEP.fetch_add(1, Ordering::SeqCst) + 1 == *at
    {
        std::process::abort();
    }
}

/// Joins a relative path made from names (topics, channels, resources…) to `root`, refusing
/// anything that could leave it or confuse a reader: absolute paths, `..`, `.`, empty
/// segments, control characters, backslashes and over-long segments. This is the only way a
/// name becomes a path.
pub fn safe_join(root: &Path, rel: &str) -> Result<PathBuf> {
    let refuse = |why: &str| WriteError::Escapes {
        root: root.to_path_buf(),
        path: rel.escape_debug().to_string(),
        why: why.to_string(),
    };
    if rel.is_empty() {
        return Err(refuse("empty path"));
    }
    if rel.starts_with('/') {
        return Err(refuse("absolute path"));
    }
    if rel.chars().any(|c| c.is_control() || c == '\\') {
        return Err(refuse("control character or backslash in a path"));
    }
    let mut out = root.to_path_buf();
    for seg in rel.split('/') {
        match seg {
            "" => return Err(refuse("empty path segment")),
            "." | ".." => return Err(refuse("`.` or `..` segment")),
            s if s.len() > 255 => return Err(refuse("a path segment longer than 255 bytes")),
            s => out.push(s),
        }
    }
    debug_assert!(
        out.components()
            .skip(root.components().count())
            .all(|c| matches!(c, Component::Normal(_)))
    );
    Ok(out)
}

/// The real file a write to `path` lands on: a symlinked target is written through, as
/// editors do.
fn resolve_target(path: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            // canonicalize fails for a dangling link: follow it by hand one level at a time.
            let mut cur = path.to_path_buf();
            for _ in 0..40 {
                match std::fs::symlink_metadata(&cur) {
                    Ok(m) if m.file_type().is_symlink() => {
                        let t = std::fs::read_link(&cur).map_err(io_err(&cur, "reading link"))?;
                        cur = if t.is_absolute() {
                            t
                        } else {
                            cur.parent().unwrap_or(Path::new(".")).join(t)
                        };
                    }
                    _ => return Ok(cur),
                }
            }
            Err(WriteError::Io {
                path: path.to_path_buf(),
                op: "following links",
                source: io::Error::other("too many levels of symbolic links"),
            })
        }
        Ok(m) if m.is_dir() => Err(WriteError::Io {
            path: path.to_path_buf(),
            op: "writing",
            source: io::Error::other("is a directory"),
        }),
        _ => Ok(path.to_path_buf()),
    }
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir, "syncing folder"))
}

/// An exclusive lock on a folder (flock on its descriptor), held while a write runs, so
/// two processes writing the same output take turns instead of colliding.
pub struct DirLock(File);

impl DirLock {
    pub fn take(dir: &Path) -> Result<DirLock> {
        let f = File::open(dir).map_err(io_err(dir, "opening folder"))?;
        f.lock().map_err(io_err(dir, "locking folder"))?;
        Ok(DirLock(f))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn temp_prefix(target: &Path) -> String {
    format!(
        ".{}.",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into())
    )
}

/// Removes leftovers of crashed writes to `target` (its own temp files only); returns how
/// many.
fn sweep_temps(target: &Path) -> usize {
    let mut removed = 0;
    let dir = parent_of(target);
    let prefix = temp_prefix(target);
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name();
            let n = name.to_string_lossy();
            if n.starts_with(&prefix)
                && n.ends_with(TEMP_SUFFIX)
                && e.file_type().is_ok_and(|t| t.is_file())
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Creates a new temp file beside `target` with `content`, synced, with the target's mode
/// (or the default mode under the umask for a new file). The temp is removed on failure.
fn stage(target: &Path, content: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = parent_of(target);
    let mode = std::fs::metadata(target)
        .ok()
        .map(|m| m.permissions().mode());
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .suffix(TEMP_SUFFIX)
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(io_err(dir, "creating a temp file"))?;
    if let Some(m) = mode {
        tmp.as_file()
            .set_permissions(Permissions::from_mode(m & 0o7777))
            .map_err(io_err(target, "keeping the file mode"))?;
    }
    tmp.write_all(content)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(io_err(target, "writing"))?;
    Ok(tmp)
}

/// Writes one file atomically: readers see the old bytes or the new, never a mix.
///
/// A target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO from
/// `>(...)`) is written through instead: renaming a temp file over it would replace the
/// device with a file, and as root that breaks `/dev/null` for every process on the machine.
pub fn write_file(path: &Path, content: &[u8]) -> Result<()> {
    let target = resolve_target(path)?;
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        return OpenOptions::new()
            .write(true)
            .open(&target)
            .and_then(|mut f| f.write_all(content))
            .map_err(io_err(&target, "writing"));
    }
    let dir = parent_of(&target).to_path_buf();
    let _lock = DirLock::take(&dir)?;
    write_locked(&target, content)
}

/// `write_file` for a caller that holds the folder's lock (flock locks of two descriptors
/// exclude each other even within one process).
fn write_locked(target: &Path, content: &[u8]) -> Result<()> {
    let target = target.to_path_buf();
    let dir = parent_of(&target).to_path_buf();
    sweep_temps(&target);
    let tmp = stage(&target, content)?;
    tmp.persist(&target)
        .map_err(|e| io_err(&target, "renaming into place")(e.error))?;
    sync_dir(&dir)
}

/// One file of a plan: where it goes (relative to the root) and its bytes.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub content: Vec<u8>,
}

/// A set of files written as one: validated first (every path inside the root), then
/// staged as temp files, then renamed in place under a journal.
#[derive(Debug)]
pub struct Plan {
    root: PathBuf,
    entries: Vec<Entry>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    state: String,
    /// (target relative to the root, temp file relative to the root)
    files: Vec<(String, String)>,
}

/// What `recover` found of an interrupted plan.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Files moved into place that the interrupted run had not renamed yet.
    pub completed: usize,
    /// Temp files of a run that died before committing, removed.
    pub discarded: usize,
}

impl Plan {
    pub fn new(root: &Path) -> Plan {
        Plan {
            root: root.to_path_buf(),
            entries: Vec::new(),
        }
    }

    /// Adds a file; the path is checked now, so a bad name fails before anything is written.
    pub fn add(&mut self, rel: &str, content: impl Into<Vec<u8>>) -> Result<()> {
        safe_join(&self.root, rel)?;
        self.entries.retain(|e| e.path != rel);
        self.entries.push(Entry {
            path: rel.to_string(),
            content: content.into(),
        });
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Writes every file. Any earlier interrupted plan in the root is finished first.
    pub fn commit(self) -> Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.root).map_err(io_err(&self.root, "creating folder"))?;
        let real_root = self
            .root
            .canonicalize()
            .map_err(io_err(&self.root, "resolving folder"))?;
        let _lock = DirLock::take(&self.root)?;
        recover_locked(&self.root)?;
        // Resolve and check every target before the first byte is written.
        let mut targets = Vec::new();
        for e in &self.entries {
            let joined = safe_join(&self.root, &e.path)?;
            make_dirs_inside(&real_root, &self.root, &e.path)?;
            let target = resolve_target(&joined)?;
            let real_dir = parent_of(&target)
                .canonicalize()
                .map_err(io_err(&target, "resolving folder"))?;
            if !real_dir.starts_with(&real_root) {
                return Err(WriteError::Escapes {
                    root: self.root.clone(),
                    path: e.path.clone(),
                    why: format!("a symbolic link leads to {}", real_dir.display()),
                });
            }
            targets.push(real_dir.join(target.file_name().expect("file name")));
        }
        // The journal goes first, in state "staging", naming every target: a run killed
        // while staging leaves temps that the next run can find and remove.
        let rel_of = |p: &Path| {
            p.strip_prefix(&real_root)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let journal_path = self.root.join(JOURNAL);
        let intent = Journal {
            state: "staging".into(),
            files: targets.iter().map(|t| (rel_of(t), String::new())).collect(),
        };
        write_locked(
            &journal_path,
            &serde_json::to_vec_pretty(&intent).expect("journal serialises"),
        )?;
        crash_point();
        // Stage: temp files, recorded in the journal before the first rename.
        let mut staged = Vec::new();
        let mut journal = Journal {
            state: "committing".into(),
            files: Vec::new(),
        };
        for (e, target) in self.entries.iter().zip(&targets) {
            let tmp = stage(target, &e.content)?;
            crash_point();
            journal.files.push((rel_of(target), rel_of(tmp.path())));
            staged.push(tmp);
        }
        // From here a crash leaves a journal and every temp: the next run renames them.
        let staged: Vec<tempfile::TempPath> =
            staged.into_iter().map(|t| t.into_temp_path()).collect();
        write_locked(
            &journal_path,
            &serde_json::to_vec_pretty(&journal).expect("journal serialises"),
        )?;
        crash_point();
        let mut dirs = std::collections::BTreeSet::new();
        for (tmp, target) in staged.into_iter().zip(&targets) {
            tmp.persist(target)
                .map_err(|e| io_err(target, "renaming into place")(e.error))?;
            crash_point();
            dirs.insert(parent_of(target).to_path_buf());
        }
        for d in &dirs {
            sync_dir(d)?;
        }
        std::fs::remove_file(&journal_path).map_err(io_err(&journal_path, "removing journal"))?;
        crash_point();
        sync_dir(&self.root)
    }
}

/// Creates the folders of `rel` under `root` one at a time, refusing a symlinked folder
/// that leads outside the root (create_dir_all would follow it).
fn make_dirs_inside(real_root: &Path, root: &Path, rel: &str) -> Result<()> {
    let mut cur = root.to_path_buf();
    let segs: Vec<&str> = rel.split('/').collect();
    for seg in &segs[..segs.len().saturating_sub(1)] {
        cur.push(seg);
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() => {
                let real = cur
                    .canonicalize()
                    .map_err(io_err(&cur, "resolving folder"))?;
                if !real.starts_with(real_root) || !real.is_dir() {
                    return Err(WriteError::Escapes {
                        root: root.to_path_buf(),
                        path: rel.to_string(),
                        why: format!("{} is a link to {}", cur.display(), real.display()),
                    });
                }
            }
            Ok(_) => {
                return Err(WriteError::Io {
                    path: cur.clone(),
                    op: "creating folder",
                    source: io::Error::other("a file is in the way"),
                });
            }
            Err(_) => match std::fs::create_dir(&cur) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_err(&cur, "creating folder")(e)),
            },
        }
    }
    Ok(())
}

/// Finishes (or rolls back) a plan that a crash interrupted in `root`. Cheap when there is
/// nothing to do. Every command that writes into a root calls this before reading it.
pub fn recover(root: &Path) -> Result<Recovered> {
    if !root.join(JOURNAL).exists() && !has_journal_temps(root) {
        return Ok(Recovered::default());
    }
    let _lock = DirLock::take(root)?;
    recover_locked(root)
}

/// Whether an interrupted plan awaits completion in `root` (for --dry-run, which must not
/// write).
pub fn pending(root: &Path) -> bool {
    root.join(JOURNAL).exists()
}

fn has_journal_temps(root: &Path) -> bool {
    let prefix = temp_prefix(&root.join(JOURNAL));
    std::fs::read_dir(root).is_ok_and(|rd| {
        rd.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(&prefix))
    })
}

fn recover_locked(root: &Path) -> Result<Recovered> {
    let journal_path = root.join(JOURNAL);
    sweep_temps(&journal_path);
    let text = match std::fs::read(&journal_path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Recovered::default()),
        Err(e) => return Err(io_err(&journal_path, "reading journal")(e)),
    };
    let journal: Journal = serde_json::from_slice(&text).map_err(|e| WriteError::Journal {
        path: journal_path.clone(),
        why: e.to_string(),
    })?;
    let mut rec = Recovered::default();
    for (target, tmp) in &journal.files {
        let t = safe_rel(root, target)?;
        if journal.state == "staging" {
            // Killed while staging: nothing was renamed; remove that run's temps.
            rec.discarded += sweep_temps(&t);
            continue;
        }
        let p = safe_rel(root, tmp)?;
        if !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with(TEMP_SUFFIX))
        {
            return Err(WriteError::Journal {
                path: journal_path.clone(),
                why: format!("{tmp} is not a temp file"),
            });
        }
        if std::fs::symlink_metadata(&p).is_ok() {
            if journal.state == "committing" {
                std::fs::rename(&p, &t).map_err(io_err(&t, "renaming into place"))?;
                rec.completed += 1;
            } else {
                std::fs::remove_file(&p).map_err(io_err(&p, "removing temp file"))?;
                rec.discarded += 1;
            }
            sync_dir(parent_of(&t))?;
        }
    }
    std::fs::remove_file(&journal_path).map_err(io_err(&journal_path, "removing journal"))?;
    sync_dir(root)?;
    Ok(rec)
}

/// A journal path back to a real path; the journal is data a user could have edited.
fn safe_rel(root: &Path, rel: &str) -> Result<PathBuf> {
    safe_join(root, rel).map_err(|_| WriteError::Journal {
        path: root.join(JOURNAL),
        why: format!("{rel:?} is not a path inside the folder"),
    })
}

/// Opens a file for reading only if it is a regular file (not a FIFO, device or folder),
/// and reads at most `cap` bytes: a clear error instead of a hang or unbounded memory.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_regular_file(path, cap).map(|(_, bytes)| bytes)
}

/// `read_regular`, also handing back the opened file (to ask it where it really is).
pub fn read_regular_file(path: &Path, cap: u64) -> io::Result<(File, Vec<u8>)> {
    use std::io::Read;
    // O_NONBLOCK so that opening a FIFO with no writer does not hang before the check.
    let mut f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(if meta.is_dir() {
            "is a directory, not a file"
        } else {
            "is not a regular file (a FIFO, socket or device)"
        }));
    }
    if meta.len() > cap {
        return Err(io::Error::other(format!(
            "is {} bytes, over the limit of {} bytes",
            meta.len(),
            cap
        )));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    (&mut f).take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(io::Error::other(format!(
            "is over the limit of {cap} bytes"
        )));
    }
    Ok((f, buf))
}

/// The size limit for any one input file: far above any real manifest, far below memory.
pub const MAX_INPUT: u64 = 256 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn safe_join_refuses_escapes() {
        let root = Path::new("/out");
        for bad in [
            "",
            "/etc/x",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\nb",
            "a\\b",
            "a/.",
        ] {
            assert!(safe_join(root, bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            safe_join(root, "a/b.yaml").unwrap(),
            Path::new("/out/a/b.yaml")
        );
    }

    #[test]
    fn write_keeps_mode_and_writes_through_links() {
        let d = tmpdir();
        let real = d.path().join("real.yaml");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, Permissions::from_mode(0o640)).unwrap();
        let link = d.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_file(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(
            std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn plan_refuses_a_linked_folder_leading_outside() {
        let d = tmpdir();
        let outside = tmpdir();
        let root = d.path().join("out");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("sub")).unwrap();
        let mut p = Plan::new(&root);
        p.add("sub/x.yaml", "x").unwrap();
        assert!(matches!(p.commit(), Err(WriteError::Escapes { .. })));
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn interrupted_plan_is_completed_by_recover() {
        let d = tmpdir();
        let root = d.path();
        std::fs::write(root.join("a"), "old").unwrap();
        std::fs::write(root.join(".a.x1.manifesto-tmp"), "new").unwrap();
        let j = Journal {
            state: "committing".into(),
            files: vec![("a".into(), ".a.x1.manifesto-tmp".into())],
        };
        std::fs::write(root.join(JOURNAL), serde_json::to_vec(&j).unwrap()).unwrap();
        let r = recover(root).unwrap();
        assert_eq!(r.completed, 1);
        assert_eq!(std::fs::read_to_string(root.join("a")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(root).unwrap().count(), 1);
    }

    #[test]
    fn read_regular_refuses_fifos_and_big_files() {
        let d = tmpdir();
        let f = d.path().join("big");
        std::fs::write(&f, vec![b'x'; 100]).unwrap();
        assert!(read_regular(&f, 99).is_err());
        assert_eq!(read_regular(&f, 100).unwrap().len(), 100);
        assert!(read_regular(d.path(), 100).is_err());
        assert!(read_regular(Path::new("/dev/zero"), 100).is_err());
    }

    #[test]
    fn a_fifo_or_device_target_is_written_through_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let d = tmpdir();
        let fifo = d.path().join("pipe");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo (coreutils) must be installed");
        assert!(st.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_file(&fifo, b"through\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"through\n");
        let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(t.is_fifo(), "the FIFO was replaced by a {t:?}");
        // No temp file was left beside it.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        // A character device: /dev/null stays one (as root a rename would have replaced it).
        write_file(Path::new("/dev/null"), b"gone").unwrap();
        let t = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
        assert!(t.is_char_device(), "/dev/null is now a {t:?}");
    }
}
