//! Load stage, remote part: kustomize's remote targets — git repositories named by URL
//! (`github.com/org/repo//path?ref=v1`, `https://…/repo.git//path`, `ssh://`, `file://`,
//! `git@host:org/repo`) and plain files over HTTP(S). The only network I/O of the render
//! engine; it fetches into a cache and hands back folders and bytes. Must not interpret
//! what it fetches.
//!
//! kustomize clones every remote base afresh with the `git` program (`init`, `fetch
//! --depth=1 <url> <ref>`, `checkout FETCH_HEAD`). manifesto fetches the same commit with
//! libgit2 (no `git` on the path needed, nothing shelled out to) into a cache keyed by URL
//! and commit: a fetched commit is extracted once and reused by every later build, and
//! `--offline` builds from the cache alone.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// kustomize's default clone timeout (repospec.go `defaultTimeout`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(27);

/// A git repository named by a kustomization entry (kustomize's `RepoSpec`), parsed by
/// kustomize's rules (api/internal/git/repospec.go, v5.5.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    /// The entry as written.
    pub raw: String,
    /// Scheme, user and host: `https://github.com/`, `git@github.com:`, `file://`.
    pub host: String,
    /// The repository's path on the host: `org/repo`, `/srv/repo.git`.
    pub repo_path: String,
    /// The kustomization's folder inside the repository.
    pub kust_root_path: String,
    /// `?ref=` (or the older `?version=`); empty means the remote's HEAD.
    pub git_ref: String,
    pub submodules: bool,
    pub timeout: Duration,
}

impl RepoSpec {
    /// What `git fetch` is given: host and repository path.
    pub fn clone_spec(&self) -> String {
        format!("{}{}", self.host, self.repo_path)
    }

    /// Parses an entry as kustomize's `NewRepoSpecFromURL` does; `Err` when it does not
    /// name a repository (a plain relative path, say).
    pub fn parse(n: &str) -> Result<RepoSpec, String> {
        if n.starts_with('/') {
            return Err(format!("uri looks like abs path: {n}"));
        }
        let (rest, query) = n.split_once('?').unwrap_or((n, ""));
        let (git_ref, timeout, submodules) = parse_query(query);
        let (host, rest) = extract_host(rest)?;
        let segments = if host.starts_with(FILE) {
            None
        } else {
            Some(2)
        };
        let (repo_path, kust_root_path) = parse_path_parts(&rest, segments)?;
        Ok(RepoSpec {
            raw: n.to_string(),
            host,
            repo_path,
            kust_root_path,
            git_ref,
            submodules,
            timeout,
        })
    }
}

const FILE: &str = "file://";
const SSH: &str = "ssh://";
const HTTPS: &str = "https://";
const HTTP: &str = "http://";

/// kustomize's `IsRemoteFile`: a URL with an http or https scheme.
pub fn is_remote_file(path: &str) -> bool {
    let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    lower.starts_with(HTTP) || lower.starts_with(HTTPS)
}

fn parse_query(query: &str) -> (String, Duration, bool) {
    let mut values: HashMap<String, String> = HashMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        // url.ParseQuery keeps the first value of a repeated key for `Get`.
        values
            .entry(percent_decode(k))
            .or_insert_with(|| percent_decode(v));
    }
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut git_ref = get("version");
    if !get("ref").is_empty() {
        git_ref = get("ref");
    }
    let mut timeout = DEFAULT_TIMEOUT;
    let t = get("timeout");
    if !t.is_empty() {
        if let Ok(secs) = t.parse::<u64>() {
            if secs > 0 {
                timeout = Duration::from_secs(secs);
            }
        } else if let Some(d) = parse_go_duration(&t) {
            timeout = d;
        }
    }
    let mut submodules = true;
    match get("submodules").as_str() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => submodules = true,
        "0" | "f" | "F" | "false" | "FALSE" | "False" => submodules = false,
        _ => {}
    }
    (git_ref, timeout, submodules)
}

/// Go's `time.ParseDuration` for the units a timeout uses (`90s`, `2m`, `1m30s`, `500ms`).
fn parse_go_duration(s: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * scale;
        rest = &rest[unit_end..];
    }
    (total > 0.0).then(|| Duration::from_secs_f64(total))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hexval = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hexval {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn trim_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn extract_host(n: &str) -> Result<(String, String), String> {
    // `git::` is stripped (kustomize warns that it will stop doing so).
    let n = trim_prefix_ignore_case(n, "git::").unwrap_or(n);
    let (mut scheme, n) = [SSH, HTTPS, HTTP, FILE]
        .iter()
        .find_map(|p| trim_prefix_ignore_case(n, p).map(|rest| (p.to_string(), rest)))
        .unwrap_or((String::new(), n));
    let (mut username, n) = extract_username(n);
    let lower = n.to_ascii_lowercase();
    let std_github = lower.starts_with("github.com/") || lower.starts_with("github.com:");
    let accept_scp = scheme.is_empty() && (!username.is_empty() || std_github);
    if scheme.is_empty() && !accept_scp {
        return Err("failed to parse scheme".into());
    }
    if scheme == FILE {
        return Ok((scheme, format!("{username}{n}")));
    }
    let mut sep = n.find('/');
    if accept_scp
        && let Some(colon) = n.find(':')
        && (sep.is_none() || (colon > 0 && Some(colon) < sep))
    {
        sep = Some(colon);
    }
    let (mut host, rest) = match sep {
        Some(i) => (n[..=i].to_string(), n[i + 1..].to_string()),
        None => (n.to_string(), String::new()),
    };
    if std_github {
        if scheme.starts_with(SSH) || !username.is_empty() {
            scheme = String::new();
            host = "github.com:".into();
        } else {
            scheme = HTTPS.into();
            username = String::new();
            host = "github.com/".into();
        }
    }
    if host.is_empty() {
        return Err("failed to parse host segment".into());
    }
    Ok((format!("{scheme}{username}{host}"), rest))
}

fn extract_username(s: &str) -> (String, &str) {
    let b = s.as_bytes();
    if b.first().is_some_and(u8::is_ascii_alphabetic) {
        let end = b
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
            .unwrap_or(b.len());
        if b.get(end) == Some(&b'@') {
            return (s[..=end].to_string(), &s[end + 1..]);
        }
    }
    (String::new(), s)
}

fn parse_path_parts(n: &str, segments: Option<usize>) -> Result<(String, String), String> {
    let split = explicit_marker_split(n).or_else(|| match segments {
        None => Some((n.to_string(), String::new())),
        Some(k) => {
            let parts: Vec<&str> = n.split('/').collect();
            (parts.len() >= k).then(|| (parts[..k].join("/"), parts[k..].join("/")))
        }
    });
    let Some((repo, root)) = split.filter(|(r, _)| !r.is_empty()) else {
        return Err("failed to parse repo path segment".into());
    };
    let cleaned = super::fs::clean(Path::new(root.trim_start_matches('/')));
    if cleaned.components().next() == Some(std::path::Component::ParentDir) {
        return Err(format!("url path exits repo: {n}"));
    }
    Ok((repo, root.trim_start_matches('/').to_string()))
}

fn explicit_marker_split(n: &str) -> Option<(String, String)> {
    if let Some(i) = n.find("_git/") {
        let after = &n[i + 5..];
        let (first, rest) = after.split_once('/').unwrap_or((after, ""));
        return Some((format!("{}{first}", &n[..i + 5]), rest.to_string()));
    }
    if let Some(i) = n.find("//") {
        return Some((n[..i].to_string(), n[i + 2..].to_string()));
    }
    if let Some(i) = n.find(".git") {
        return Some((n[..i + 4].to_string(), n[i + 4..].to_string()));
    }
    None
}

/// A URL for messages: any password in it replaced, so no message carries a credential.
pub fn redact(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let auth_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@') {
            let user = rest[..at].split(':').next().unwrap_or("");
            return format!("{}{user}:***@{}", &url[..scheme_end + 3], &rest[at + 1..]);
        }
    }
    url.to_string()
}

/// Where the cache is and whether the network may be used.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The cache folder; `None`: `$MANIFESTO_CACHE_DIR`, else `$XDG_CACHE_HOME/manifesto`,
    /// else `~/.cache/manifesto`.
    pub cache_dir: Option<PathBuf>,
    /// Use the cache only (no network); a target not in it is an error.
    pub offline: bool,
}

impl Settings {
    /// The cache folder these settings name.
    pub fn cache_root(&self) -> Result<PathBuf, String> {
        if let Some(d) = &self.cache_dir {
            return Ok(d.clone());
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("MANIFESTO_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("manifesto")))
            .or_else(|| env("HOME").map(|d| d.join(".cache/manifesto")))
            .ok_or_else(|| {
                "no cache folder for remote targets: set MANIFESTO_CACHE_DIR or HOME".into()
            })
    }
}

/// Fetches remote targets for one build; each repository ref is fetched at most once per
/// build, and files share one HTTP agent (its connections and TLS set-up).
pub struct Fetcher {
    settings: Settings,
    trees: Mutex<HashMap<(String, String), PathBuf>>,
    agent: std::sync::OnceLock<ureq::Agent>,
}

impl Fetcher {
    pub fn new(settings: Settings) -> Fetcher {
        Fetcher {
            settings,
            trees: Mutex::new(HashMap::new()),
            agent: std::sync::OnceLock::new(),
        }
    }

    fn cache_dir(&self) -> Result<PathBuf, String> {
        self.settings.cache_root()
    }

    /// The folder holding the repository's files at the spec's ref (the whole tree; the
    /// kustomization is at `kust_root_path` inside it).
    pub fn tree(&self, spec: &RepoSpec) -> Result<PathBuf, String> {
        let key = (spec.clone_spec(), spec.git_ref.clone());
        if let Some(p) = self
            .trees
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(p.clone());
        }
        let url = redact(&spec.clone_spec());
        let cache = self.cache_dir()?;
        let p = git::tree(&cache, spec, self.settings.offline)
            .map_err(|e| format!("fetching {url} (ref {:?}): {e}", ref_name(spec)))?;
        self.trees
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, p.clone());
        Ok(p)
    }

    /// A remote file's bytes (kustomize's `httpClientGetContent`): a status other than 2xx
    /// is an error; the body is cached so that `--offline` can read it later. (Whatever
    /// the error, the caller tries a URL that names a repository as one, as kustomize
    /// ends up doing.)
    pub fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        let cache = self.cache_dir()?;
        let cached = cache.join("files").join(cache_key(url));
        if self.settings.offline {
            return crate::write::read_regular(&cached, crate::write::MAX_INPUT).map_err(|_| {
                format!(
                    "not in the cache ({}) and --offline forbids fetching it",
                    cache.display()
                )
            });
        }
        let agent = self.agent.get_or_init(|| {
            ureq::Agent::config_builder()
                .timeout_global(Some(DEFAULT_TIMEOUT))
                .http_status_as_error(false)
                .build()
                .into()
        });
        let mut resp = agent.get(url).call().map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        if !(200..=299).contains(&status) {
            return Err(format!(
                "HTTP status code {status} ({})",
                resp.status().canonical_reason().unwrap_or("")
            ));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(crate::write::MAX_INPUT)
            .read_to_vec()
            .map_err(|e| format!("reading the body: {e}"))?;
        // The cache is best effort: a build does not fail because it could not be written.
        let _ = std::fs::create_dir_all(cached.parent().unwrap_or(&cache))
            .and_then(|_| crate::write::write_file(&cached, &body).map_err(std::io::Error::other));
        Ok(body)
    }
}

/// A URL's name in the cache: the start of its SHA-256, in hex.
fn cache_key(url: &str) -> String {
    hex(&Sha256::digest(url.as_bytes()))[..32].to_string()
}

fn ref_name(spec: &RepoSpec) -> &str {
    if spec.git_ref.is_empty() {
        "HEAD"
    } else {
        &spec.git_ref
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

mod git {
    //! The git part: libgit2 fetches one commit, shallow, into a bare repository per URL
    //! in the cache, and writes that commit's tree out once, to `trees/<commit>`.

    use super::{RepoSpec, hex, ref_name};
    use std::path::{Path, PathBuf};

    pub fn tree(cache: &Path, spec: &RepoSpec, offline: bool) -> Result<PathBuf, String> {
        let url = spec.clone_spec();
        let key = super::cache_key(&url);
        let repos = cache.join("git");
        std::fs::create_dir_all(&repos)
            .map_err(|e| format!("creating the cache {}: {e}", repos.display()))?;
        // One build at a time fetches into a given repository.
        let _lock = crate::write::DirLock::take(&repos).map_err(|e| e.to_string())?;
        let bare = repos.join(format!("{key}.git"));
        let repo = match git2::Repository::open_bare(&bare) {
            Ok(r) => r,
            Err(_) if offline => {
                return Err(format!(
                    "not in the cache ({}) and --offline forbids fetching it",
                    cache.display()
                ));
            }
            Err(_) => git2::Repository::init_bare(&bare).map_err(|e| e.message().to_string())?,
        };
        let local_ref = format!("refs/manifesto/{}", hex(ref_name(spec).as_bytes()));
        let pinned = is_full_sha(&spec.git_ref)
            .then(|| git2::Oid::from_str(&spec.git_ref).ok())
            .flatten()
            .filter(|oid| repo.find_commit(*oid).is_ok());
        let commit = if let Some(oid) = pinned {
            // A commit id names the same tree forever: no need to ask the server.
            oid
        } else if offline {
            repo.refname_to_id(&local_ref).map_err(|_| {
                format!(
                    "this ref is not in the cache ({}) and --offline forbids fetching it",
                    cache.display()
                )
            })?
        } else {
            fetch(&repo, spec, &local_ref)?
        };
        let commit = repo
            .find_object(commit, None)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| e.message().to_string())?;
        let trees = cache.join("trees");
        let dir = trees.join(commit.id().to_string());
        if dir.is_dir() {
            return Ok(dir);
        }
        std::fs::create_dir_all(&trees).map_err(|e| e.to_string())?;
        // Written under a temporary name and renamed, so a crash leaves no half tree.
        let tmp = tempfile::Builder::new()
            .prefix(".partial-")
            .tempdir_in(&trees)
            .map_err(|e| e.to_string())?;
        let tree = commit.tree().map_err(|e| e.message().to_string())?;
        write_tree(&repo, &tree, tmp.path())?;
        let tmp = tmp.keep();
        if let Err(e) = std::fs::rename(&tmp, &dir) {
            let _ = std::fs::remove_dir_all(&tmp);
            if !dir.is_dir() {
                return Err(format!("storing the tree in {}: {e}", dir.display()));
            }
        }
        Ok(dir)
    }

    fn is_full_sha(r: &str) -> bool {
        r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// `git fetch --depth=1 <url> <ref>` into `local_ref`; returns the fetched object.
    fn fetch(
        repo: &git2::Repository,
        spec: &RepoSpec,
        local_ref: &str,
    ) -> Result<git2::Oid, String> {
        let ms = spec.timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: sets libgit2's process-wide timeouts before any connection is made.
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
            let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
        }
        let mut remote = repo
            .remote_anonymous(&spec.clone_spec())
            .map_err(|e| e.message().to_string())?;
        // Resolve the ref against what the server advertises, as git's DWIM does:
        // `v1` is `refs/tags/v1` or `refs/heads/v1`; a commit id is fetched as itself.
        let wanted = {
            let conn = remote
                .connect_auth(git2::Direction::Fetch, Some(callbacks()), None)
                .map_err(|e| e.message().to_string())?;
            let heads: Vec<String> = conn
                .list()
                .map_err(|e| e.message().to_string())?
                .iter()
                .map(|h| h.name().to_string())
                .collect();
            let r = ref_name(spec);
            let candidates = [
                r.to_string(),
                format!("refs/{r}"),
                format!("refs/tags/{r}"),
                format!("refs/heads/{r}"),
                format!("refs/remotes/{r}"),
            ];
            match candidates.iter().find(|c| heads.contains(c)) {
                Some(c) => c.clone(),
                None if r.len() >= 7 && r.bytes().all(|b| b.is_ascii_hexdigit()) => r.to_string(),
                None => return Err(format!("couldn't find remote ref {r}")),
            }
        };
        let refspec = format!("+{wanted}:{local_ref}");
        // Shallow, as kustomize's `fetch --depth=1`; libgit2's local transport (file://)
        // cannot, and a local fetch copies no more than it reads anyway.
        let shallow = !spec
            .clone_spec()
            .to_ascii_lowercase()
            .starts_with(super::FILE);
        let mut opts = git2::FetchOptions::new();
        opts.remote_callbacks(callbacks())
            .download_tags(git2::AutotagOption::None);
        if shallow {
            opts.depth(1);
        }
        remote
            .fetch(&[refspec.as_str()], Some(&mut opts), None)
            .map_err(|e| e.message().to_string())?;
        repo.refname_to_id(local_ref)
            .map_err(|e| e.message().to_string())
    }

    /// Credentials as git finds them: an ssh agent for ssh, git's credential helpers for
    /// https. Each kind is tried once, so a refused credential ends the fetch.
    fn callbacks<'a>() -> git2::RemoteCallbacks<'a> {
        let mut cb = git2::RemoteCallbacks::new();
        let mut tried = std::collections::HashSet::new();
        cb.credentials(move |url, user, allowed| {
            let user = user.unwrap_or("git");
            if allowed.contains(git2::CredentialType::SSH_KEY) && tried.insert("ssh") {
                return git2::Cred::ssh_key_from_agent(user);
            }
            if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT)
                && tried.insert("helper")
                && let Ok(cfg) = git2::Config::open_default()
            {
                return git2::Cred::credential_helper(&cfg, url, Some(user));
            }
            if allowed.contains(git2::CredentialType::USERNAME) && tried.insert("user") {
                return git2::Cred::username(user);
            }
            if allowed.contains(git2::CredentialType::DEFAULT) && tried.insert("default") {
                return git2::Cred::default();
            }
            Err(git2::Error::from_str("no credentials accepted"))
        });
        cb
    }

    /// Writes a tree's files (modes and symlinks kept) under `dir`. Submodules are not
    /// fetched (see the module's notes).
    fn write_tree(repo: &git2::Repository, tree: &git2::Tree, dir: &Path) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        for entry in tree.iter() {
            let Ok(name) = entry.name() else { continue };
            if name == ".." || name == "." || name.contains('/') || name == ".git" {
                continue;
            }
            let path = dir.join(name);
            match entry.kind() {
                Some(git2::ObjectType::Tree) => {
                    std::fs::create_dir(&path).map_err(|e| e.to_string())?;
                    let sub = repo
                        .find_tree(entry.id())
                        .map_err(|e| e.message().to_string())?;
                    write_tree(repo, &sub, &path)?;
                }
                Some(git2::ObjectType::Blob) => {
                    let blob = repo
                        .find_blob(entry.id())
                        .map_err(|e| e.message().to_string())?;
                    if entry.filemode() == 0o120000 {
                        let target = String::from_utf8_lossy(blob.content()).into_owned();
                        std::os::unix::fs::symlink(target, &path).map_err(|e| e.to_string())?;
                    } else {
                        std::fs::write(&path, blob.content()).map_err(|e| e.to_string())?;
                        let mode = if entry.filemode() & 0o111 != 0 {
                            0o755
                        } else {
                            0o644
                        };
                        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                            .map_err(|e| e.to_string())?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from kustomize's repospec_test.go (v5.5.0): entry, host, repository path,
    // kustomization folder, ref.
    #[test]
    fn parses_urls_as_kustomize_does() {
        let cases = [
            (
                "github.com/org/repo//path/to?ref=v1",
                "https://github.com/",
                "org/repo",
                "path/to",
                "v1",
            ),
            (
                "github.com/org/repo/path/to?version=v2",
                "https://github.com/",
                "org/repo",
                "path/to",
                "v2",
            ),
            (
                "git@github.com:org/repo.git/path?ref=main",
                "git@github.com:",
                "org/repo.git",
                "path",
                "main",
            ),
            (
                "https://gitlab.com/group/sub/repo.git//deploy?ref=x",
                "https://gitlab.com/",
                "group/sub/repo.git",
                "deploy",
                "x",
            ),
            (
                "git::https://host.xz/org/repo//base",
                "https://host.xz/",
                "org/repo",
                "base",
                "",
            ),
            (
                "ssh://git@github.com/org/repo//a",
                "git@github.com:",
                "org/repo",
                "a",
                "",
            ),
            (
                "file:///srv/repos/app.git//deploy/base?ref=v1",
                "file://",
                "/srv/repos/app.git",
                "deploy/base",
                "v1",
            ),
            ("file:///srv/repos/app", "file://", "/srv/repos/app", "", ""),
            (
                "https://dev.azure.com/org/project/_git/repo/path?ref=x",
                "https://dev.azure.com/",
                "org/project/_git/repo",
                "path",
                "x",
            ),
        ];
        for (entry, host, repo, root, git_ref) in cases {
            let s = RepoSpec::parse(entry).unwrap();
            assert_eq!(
                (
                    s.host.as_str(),
                    s.repo_path.as_str(),
                    s.kust_root_path.as_str(),
                    s.git_ref.as_str()
                ),
                (host, repo, root, git_ref),
                "{entry}"
            );
        }
    }

    #[test]
    fn query_options() {
        let s = RepoSpec::parse("https://github.com/org/repo?ref=v1&timeout=2m&submodules=false")
            .unwrap();
        assert_eq!(s.timeout, Duration::from_secs(120));
        assert!(!s.submodules);
        let s = RepoSpec::parse("https://github.com/org/repo?timeout=5").unwrap();
        assert_eq!(s.timeout, Duration::from_secs(5));
        let s = RepoSpec::parse("https://github.com/org/repo?timeout=bad").unwrap();
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn local_paths_are_not_repositories() {
        for p in [
            "../base",
            "base",
            "/abs/path",
            "overlays/prod",
            "hosts:80/x",
        ] {
            assert!(RepoSpec::parse(p).is_err(), "{p}");
        }
        assert!(RepoSpec::parse("https://host/org/repo//../x").is_err());
        assert!(RepoSpec::parse("ftp://host/org/repo").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("https://me:tok3n@host/org/repo"),
            "https://me:***@host/org/repo"
        );
        assert_eq!(redact("https://host/x"), "https://host/x");
    }
}
