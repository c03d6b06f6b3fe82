//! Remote bases: git repositories by URL (`file://` and a loopback smart-HTTP server the
//! test starts, backed by `git http-backend`) and plain files over HTTP, each built by
//! manifesto and by `kubectl kustomize` (the oracle, which runs git itself), compared by
//! bytes; the cache, `--offline`, and the refusals kustomize makes. Never the internet.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git builds the fixture repositories and must be installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A loopback HTTP server: `/files/…` are plain files under `root/files`; everything else
/// goes to `git http-backend` (smart HTTP) with `root` as the project root.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let (root, flag) = (root.to_path_buf(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let root = root.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &root);
                });
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let Some(head) = common::apiserver::RequestHead::read(&mut reader)? else {
        return Ok(());
    };
    let (method, target) = (head.method.clone(), head.target.clone());
    let header = |k: &str| Some(head.header(k).to_string()).filter(|v| !v.is_empty());
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut out = conn;
    if let Some(file) = path.strip_prefix("/files/") {
        return match std::fs::read(root.join("files").join(file)) {
            Ok(bytes) => {
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                )?;
                out.write_all(&bytes)
            }
            Err(_) => out.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            ),
        };
    }
    let mut cgi = Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env(
            "HTTP_CONTENT_ENCODING",
            header("content-encoding").unwrap_or_default(),
        )
        .env("GIT_PROTOCOL", header("git-protocol").unwrap_or_default())
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    cgi.stdin.take().unwrap().write_all(&body)?;
    let output = cgi.wait_with_output()?;
    let raw = output.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (head, payload) = match split {
        Some((i, n)) => (
            String::from_utf8_lossy(&raw[..i]).into_owned(),
            &raw[i + n..],
        ),
        None => (String::new(), &raw[..]),
    };
    let mut status = "200 OK".to_string();
    let mut resp_headers = String::new();
    for h in head.lines() {
        if let Some(s) = h.strip_prefix("Status:") {
            status = s.trim().to_string();
        } else if !h.trim().is_empty() {
            resp_headers.push_str(h.trim_end());
            resp_headers.push_str("\r\n");
        }
    }
    write!(
        out,
        "HTTP/1.1 {status}\r\n{resp_headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    )?;
    out.write_all(payload)
}

/// A fixture: a git repository `repo.git` (bare, served) built from a work tree with a
/// base, a component, and a kustomization that reaches out of the repository; tag `v1`
/// and a later commit on `main`.
struct Fixture {
    tmp: tempfile::TempDir,
    v1: String,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q", "-b", "main", "."]);
        write(
            &work.join("deploy/base/kustomization.yaml"),
            "resources:\n- cm.yaml\n- deploy.yaml\nnamePrefix: base-\n",
        );
        write(
            &work.join("deploy/base/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: one\n",
        );
        write(
            &work.join("deploy/base/deploy.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        envFrom:\n        - configMapRef:\n            name: settings\n",
        );
        write(
            &work.join("deploy/comp/kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n- pairs:\n    team: events\n",
        );
        // A base in the repository that is a link to a folder outside it.
        write(
            &work.join("deploy/escape/kustomization.yaml"),
            "resources:\n- outside\n",
        );
        std::os::unix::fs::symlink(
            tmp.path().join("outside"),
            work.join("deploy/escape/outside"),
        )
        .unwrap();
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-qm", "one"]);
        git(&work, &["tag", "v1"]);
        let v1 = git(&work, &["rev-parse", "HEAD"]);
        write(
            &work.join("deploy/base/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: two\n",
        );
        git(&work, &["commit", "-qam", "two"]);
        git(tmp.path(), &["clone", "-q", "--bare", "work", "repo.git"]);
        write(
            &tmp.path().join("files/extra.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n  ports:\n  - port: 80\n",
        );
        // A folder beside the repository for the escaping kustomization to reach.
        write(
            &tmp.path().join("outside/kustomization.yaml"),
            "resources: []\n",
        );
        Fixture { tmp, v1 }
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn file_url(&self) -> String {
        format!("file://{}/repo.git", self.root().display())
    }

    /// A kustomization folder (outside the served root) with this text.
    fn app(&self, name: &str, kustomization: &str) -> PathBuf {
        let dir = self.root().join("apps").join(name);
        write(&dir.join("kustomization.yaml"), kustomization);
        dir
    }
}

fn manifesto(dir: &Path, cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["build", "."])
        .args(["--cache-dir", cache.to_str().unwrap()])
        .args(extra)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("run manifesto")
}

fn kubectl(dir: &Path) -> Output {
    Command::new("kubectl")
        .args(["kustomize", "."])
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("kubectl is the oracle and must be installed")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Builds `dir` both ways and requires the same bytes.
fn same_as_kubectl(dir: &Path, cache: &Path) -> String {
    let k = kubectl(dir);
    assert!(k.status.success(), "kubectl: {}", text(&k.stderr));
    let m = manifesto(dir, cache, &[]);
    assert_eq!(m.status.code(), Some(0), "manifesto: {}", text(&m.stderr));
    assert_eq!(text(&m.stdout), text(&k.stdout), "{}", dir.display());
    text(&m.stdout)
}

#[test]
fn git_bases_over_http_and_file_match_kubectl() {
    let fx = Fixture::new();
    let server = Server::start(fx.root());
    let cache = fx.root().join("cache");
    let repo = server.url("repo.git");
    let cases = [
        // A tag, a component at a tag, and a plain file over HTTP.
        format!(
            "resources:\n- {repo}//deploy/base?ref=v1\n- {}\ncomponents:\n- {repo}//deploy/comp?ref=v1\nnameSuffix: -x\n",
            server.url("files/extra.yaml")
        ),
        // The branch (its newer commit), through `file://`, with `?version=`.
        format!(
            "resources:\n- {}//deploy/base?version=main\nnamespace: prod\n",
            fx.file_url()
        ),
        // A commit id, and the remote's HEAD (no ref).
        format!("resources:\n- {repo}//deploy/base?ref={}\n", fx.v1),
        format!("resources:\n- {repo}//deploy/base\nnamePrefix: head-\n"),
        // `git::` is stripped, as kustomize does (it warns).
        format!("resources:\n- git::{repo}//deploy/base?ref=v1&timeout=30s\n"),
    ];
    let mut outs = Vec::new();
    for (i, k) in cases.iter().enumerate() {
        let dir = fx.app(&format!("case{i}"), k);
        outs.push(same_as_kubectl(&dir, &cache));
    }
    assert!(outs[0].contains("level: one") && outs[0].contains("team: events"));
    assert!(outs[0].contains("name: extra-x"), "{}", outs[0]);
    assert!(outs[1].contains("level: two") && outs[1].contains("namespace: prod"));
    // Each commit's files were written to the cache once.
    let trees: Vec<_> = std::fs::read_dir(cache.join("trees"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(trees.len(), 2, "{trees:?}");
    assert!(trees.contains(&fx.v1));
}

#[test]
fn offline_builds_from_the_cache_and_a_pinned_commit_needs_no_server() {
    let fx = Fixture::new();
    let cache = fx.root().join("cache");
    let server = Server::start(fx.root());
    let repo = server.url("repo.git");
    let file = server.url("files/extra.yaml");
    let tagged = fx.app(
        "tagged",
        &format!("resources:\n- {repo}//deploy/base?ref=v1\n- {file}\n"),
    );
    let pinned = fx.app(
        "pinned",
        &format!("resources:\n- {repo}//deploy/base?ref={}\n", fx.v1),
    );
    let online = same_as_kubectl(&tagged, &cache);
    same_as_kubectl(&pinned, &cache);
    drop(server);

    // The server is gone: --offline builds the same bytes from the cache.
    let m = manifesto(&tagged, &cache, &["--offline"]);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m.stderr));
    assert_eq!(text(&m.stdout), online);
    // A commit id already fetched names the same files forever: no fetch, even online.
    let m = manifesto(&pinned, &cache, &[]);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m.stderr));
    // A tag must be asked for online, and the server is gone: a clear error, exit 2.
    let m = manifesto(&tagged, &cache, &[]);
    assert_eq!(m.status.code(), Some(2), "{}", text(&m.stdout));
    let err = text(&m.stderr);
    assert!(
        err.contains(&repo) && err.contains("kustomization.yaml"),
        "{err}"
    );
    // An empty cache with --offline: refused, naming the URL and the flag.
    let m = manifesto(&tagged, &fx.root().join("empty-cache"), &["--offline"]);
    assert_eq!(m.status.code(), Some(2));
    let err = text(&m.stderr);
    assert!(
        err.contains("--offline") && err.contains("127.0.0.1"),
        "{err}"
    );
}

#[test]
fn refusals_match_kubectl_and_name_the_url() {
    let fx = Fixture::new();
    let server = Server::start(fx.root());
    let cache = fx.root().join("cache");
    let repo = server.url("repo.git");
    let with_password = repo.replace("http://", "http://me:s3cr3t-pw@");
    let cases = [
        // A kustomization in the repository that reaches out of it.
        (
            format!("resources:\n- {repo}//deploy/escape?ref=v1\n"),
            "must be within the repo",
        ),
        // A ref the repository does not have; the password never printed.
        (
            format!("resources:\n- {with_password}//deploy/base?ref=no-such-tag\n"),
            "no-such-tag",
        ),
        // A folder the repository does not have.
        (
            format!("resources:\n- {repo}//deploy/nothing?ref=v1\n"),
            "deploy/nothing",
        ),
        // A plain file the server does not have (not a repository URL: kustomize stops).
        (
            format!("resources:\n- {}\n", server.url("files/none.yaml")),
            "404",
        ),
        // A scheme kustomize does not fetch from.
        (
            "resources:\n- ftp://example.com/org/repo//x\n".to_string(),
            "ftp://example.com/org/repo//x",
        ),
    ];
    for (i, (k, says)) in cases.iter().enumerate() {
        let dir = fx.app(&format!("bad{i}"), k);
        let kc = kubectl(&dir);
        assert!(!kc.status.success(), "kubectl accepts case {i}: {k}");
        let m = manifesto(&dir, &cache, &[]);
        let err = text(&m.stderr);
        assert_eq!(m.status.code(), Some(2), "case {i}: {err}");
        assert!(err.contains(says), "case {i}: {err:?} lacks {says:?}");
        assert!(
            !err.contains("s3cr3t-pw"),
            "case {i} printed the password: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}
