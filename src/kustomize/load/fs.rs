//! Load stage: the filesystem the renderer reads through, so tests can use memory.
//! Must not write anything.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

pub trait FileSystem: Sync {
    /// Opens and reads a regular file (bounded), and returns the real path of the file that
    /// was actually read, so a load restriction is checked on what was opened, not on a
    /// path that a flipped symlink could redirect between a check and a read.
    fn read_real(&self, path: &Path) -> io::Result<(PathBuf, Vec<u8>)>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// The path with symlinks resolved; used to enforce load restrictions.
    fn real_path(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The machine's filesystem.
pub struct RealFs;

impl FileSystem for RealFs {
    fn read_real(&self, path: &Path) -> io::Result<(PathBuf, Vec<u8>)> {
        use std::os::fd::AsRawFd;
        let (f, bytes) = crate::write::read_regular_file(path, crate::write::MAX_INPUT)?;
        // Where the opened file really is (symlinks resolved at open time).
        let real = std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd()))
            .or_else(|_| std::fs::canonicalize(path))?;
        Ok((real, bytes))
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// An in-memory tree of files; directories exist implicitly. No symlinks.
#[derive(Default, Clone)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemFs {
    pub fn new() -> MemFs {
        MemFs::default()
    }
    pub fn add(&mut self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> &mut MemFs {
        self.files
            .insert(clean(path.as_ref()), content.as_ref().to_vec());
        self
    }
}

impl FileSystem for MemFs {
    fn read_real(&self, path: &Path) -> io::Result<(PathBuf, Vec<u8>)> {
        let p = clean(path);
        match self.files.get(&p) {
            Some(bytes) => Ok((p, bytes.clone())),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no such file or directory",
            )),
        }
    }
    fn is_dir(&self, path: &Path) -> bool {
        let p = clean(path);
        self.files.keys().any(|f| f.starts_with(&p) && *f != p)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&clean(path))
    }
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        let p = clean(path);
        if self.is_file(&p) || self.is_dir(&p) {
            Ok(p)
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no such file or directory",
            ))
        }
    }
}

/// Lexically normalises a path like Go's `filepath.Clean`: drops `.`, folds `name/..`,
/// keeps leading `..` of a relative path and drops `..` above the root.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                // `..` above the root stays at the root; above a relative start, or after
                // another `..`, it is kept (popping it would turn `../../x` into `x`).
                Some(Component::RootDir | Component::Prefix(_)) => {}
                None | Some(Component::ParentDir) => out.push(".."),
                Some(_) => {
                    out.pop();
                }
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;
    use std::path::Path;

    #[test]
    fn clean_keeps_leading_parent_dirs() {
        for (input, want) in [
            ("../../x", "../../x"),
            ("a/b/../../../x", "../x"),
            ("./a/./b/..", "a"),
            ("a/..", "."),
            ("/../x", "/x"),
            ("/a/../../b", "/b"),
            ("../a/../..", "../.."),
            ("", "."),
        ] {
            assert_eq!(clean(Path::new(input)), Path::new(want), "{input}");
        }
    }
}
