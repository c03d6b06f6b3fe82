//! Cluster stage, the only network I/O in manifesto: one client (the kube crate) that
//! reads kubeconfig as kubectl does, sends the requests `requests.rs` builds, retries
//! throttling and server errors with backoff, bounds how many run at once, and times out.
//! Must not interpret answers beyond the status (requests.rs does).

use super::requests::{self, ApiResource, Discovery};
use crate::yaml::Value;
use futures::StreamExt;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig: {0}")]
    Config(String),
    #[error("{method} {url}: {code} {reason}: {message}")]
    Status {
        method: &'static str,
        url: String,
        code: u16,
        reason: String,
        message: String,
    },
    #[error("{method} {url}: {message}")]
    Transport {
        method: &'static str,
        url: String,
        message: String,
    },
    #[error("{0}")]
    Answer(String),
}

/// How to reach the cluster: kubectl's flags.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--kubeconfig`; else `KUBECONFIG` (a list, merged as kubectl merges it), else
    /// `~/.kube/config`, else the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; else the kubeconfig's current context.
    pub context: Option<String>,
    /// Time allowed for each request.
    pub timeout: Option<Duration>,
    /// Requests in flight at once.
    pub concurrency: usize,
}

pub struct Cluster {
    client: kube::Client,
    runtime: tokio::runtime::Runtime,
    default_namespace: String,
    concurrency: usize,
    retries: u32,
}

impl Cluster {
    pub fn connect(opts: &ConnectOptions) -> Result<Cluster, ClusterError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClusterError::Config(format!("starting the I/O runtime: {e}")))?;
        let config = runtime.block_on(load_config(opts))?;
        let default_namespace = config.default_namespace.clone();
        let client = {
            let _guard = runtime.enter();
            kube::Client::try_from(config).map_err(|e| ClusterError::Config(e.to_string()))?
        };
        Ok(Cluster {
            client,
            runtime,
            default_namespace,
            concurrency: opts.concurrency.max(1),
            retries: 4,
        })
    }

    /// The context's namespace, else `default`.
    pub fn default_namespace(&self) -> &str {
        &self.default_namespace
    }

    async fn get(&self, url: &str, accept: &str) -> Result<String, ClusterError> {
        self.send(http::Method::GET, url, accept, None).await
    }

    /// Sends one request, again after a backoff while the answer is throttling (429), a
    /// server error (5xx) or a transport failure. Every request manifesto makes is safe to
    /// repeat: reads, and server-side applies of the same object.
    async fn send(
        &self,
        method: http::Method,
        url: &str,
        accept: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<String, ClusterError> {
        let name: &'static str = match method.as_str() {
            "GET" => "GET",
            "PATCH" => "PATCH",
            _ => "request",
        };
        let mut attempt = 0;
        loop {
            let mut req = http::Request::builder()
                .method(method.clone())
                .uri(url)
                .header(http::header::ACCEPT, accept);
            if let Some((ct, _)) = body {
                req = req.header(http::header::CONTENT_TYPE, ct);
            }
            let req = req
                .body(body.map(|(_, b)| b.to_vec()).unwrap_or_default())
                .map_err(|e| ClusterError::Transport {
                    method: name,
                    url: url.to_string(),
                    message: e.to_string(),
                })?;
            match self.client.request_text(req).await {
                Ok(text) => return Ok(text),
                Err(e) => {
                    let err = classify(name, url, e);
                    let again = match &err {
                        ClusterError::Status { code, .. } => requests::retryable(*code),
                        ClusterError::Transport { .. } => true,
                        _ => false,
                    };
                    if !again || attempt >= self.retries {
                        return Err(err);
                    }
                    tokio::time::sleep(requests::backoff(attempt)).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Server-side apply of one object (field manager `manifesto`); the server's answer is
    /// the object as it is (or, with `dry_run`, would be) afterwards.
    pub fn apply(
        &self,
        r: &ApiResource,
        obj: &Value,
        force: bool,
        dry_run: bool,
    ) -> Result<Value, ClusterError> {
        let ns = crate::yaml::str_at(obj, &["metadata", "namespace"]);
        let name = crate::yaml::str_at(obj, &["metadata", "name"]);
        let url = r.apply_url(ns, name, force, dry_run);
        let body = serde_json::to_vec(obj).expect("values serialise");
        self.runtime.block_on(async {
            let text = self
                .send(
                    http::Method::PATCH,
                    &url,
                    "application/json",
                    Some((requests::APPLY_CONTENT_TYPE, &body)),
                )
                .await?;
            serde_json::from_str(&text)
                .map_err(|e| ClusterError::Answer(format!("PATCH {url}: {e}")))
        })
    }

    /// A GET whose answer is text (a proxied certificate).
    pub fn get_text(&self, url: &str) -> Result<String, ClusterError> {
        self.runtime.block_on(self.get(url, "*/*"))
    }

    /// Discovery: aggregated where the server has it (two requests), else legacy, reading
    /// only the group-versions of the groups in `groups` (empty: all).
    pub fn discover(&self, groups: &[String]) -> Result<Discovery, ClusterError> {
        self.runtime.block_on(async {
            let mut d = Discovery::default();
            for root in ["/api", "/apis"] {
                let body = self.get(root, requests::AGGREGATED_ACCEPT).await?;
                requests::read_root(&mut d, &body).map_err(ClusterError::Answer)?;
            }
            let pending: Vec<String> = std::mem::take(&mut d.pending)
                .into_iter()
                .filter(|gv| {
                    let group = gv.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
                    groups.is_empty() || groups.iter().any(|g| g == group)
                })
                .collect();
            let bodies: Vec<Result<String, ClusterError>> = futures::stream::iter(pending.iter())
                .map(|gv| async move {
                    self.get(&requests::group_version_url(gv), "application/json")
                        .await
                })
                .buffered(self.concurrency)
                .collect()
                .await;
            for b in bodies {
                requests::read_resource_list(&mut d, &b?).map_err(ClusterError::Answer)?;
            }
            Ok(d)
        })
    }

    /// Every object of each (resource, namespace) pair: one paginated LIST each, a bounded
    /// number at once. `None` namespace: cluster-wide.
    pub fn list(
        &self,
        wanted: &[(ApiResource, Option<String>)],
    ) -> Result<Vec<Value>, ClusterError> {
        self.runtime.block_on(async {
            let pages: Vec<Result<Vec<Value>, ClusterError>> = futures::stream::iter(wanted.iter())
                .map(|(r, ns)| async move {
                    let mut all = Vec::new();
                    let mut token: Option<String> = None;
                    loop {
                        let url = r.list_url(ns.as_deref(), token.as_deref());
                        let body = self.get(&url, "application/json").await?;
                        let (items, next) =
                            requests::read_list_page(&body, r).map_err(ClusterError::Answer)?;
                        all.extend(items);
                        match next {
                            Some(t) => token = Some(t),
                            None => return Ok(all),
                        }
                    }
                })
                .buffered(self.concurrency)
                .collect()
                .await;
            let mut out = Vec::new();
            for p in pages {
                out.extend(p?);
            }
            Ok(out)
        })
    }

    /// One object (`None`: not found).
    pub fn get_object(
        &self,
        r: &ApiResource,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        match self.get_json(&r.object_url(namespace, name)) {
            Ok(v) => Ok(Some(v)),
            Err(ClusterError::Status { code: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A GET whose answer is a JSON object.
    fn get_json(&self, url: &str) -> Result<Value, ClusterError> {
        let body = self.runtime.block_on(self.get(url, "application/json"))?;
        serde_json::from_str(&body).map_err(|e| ClusterError::Answer(format!("GET {url}: {e}")))
    }
}

async fn load_config(opts: &ConnectOptions) -> Result<kube::Config, ClusterError> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let kc_opts = KubeConfigOptions {
        context: opts.context.clone(),
        cluster: None,
        user: None,
    };
    let kubeconfig = match &opts.kubeconfig {
        Some(p) => Some(
            Kubeconfig::read_from(p)
                .map_err(|e| ClusterError::Config(format!("{}: {e}", p.display())))?,
        ),
        None => match Kubeconfig::read() {
            Ok(k) => Some(k),
            Err(e) => {
                // No kubeconfig at all: inside a pod, the service account.
                if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
                    && std::env::var_os("KUBECONFIG").is_none()
                {
                    None
                } else {
                    return Err(ClusterError::Config(format!(
                        "{e} (set KUBECONFIG or --kubeconfig, or run inside a cluster)"
                    )));
                }
            }
        },
    };
    let mut config = match kubeconfig {
        Some(k) => kube::Config::from_custom_kubeconfig(k, &kc_opts)
            .await
            .map_err(|e| ClusterError::Config(e.to_string()))?,
        None => kube::Config::incluster().map_err(|e| ClusterError::Config(e.to_string()))?,
    };
    if let Some(t) = opts.timeout {
        config.connect_timeout = Some(t);
        config.read_timeout = Some(t);
        config.write_timeout = Some(t);
    }
    Ok(config)
}

fn classify(method: &'static str, url: &str, e: kube::Error) -> ClusterError {
    match e {
        kube::Error::Api(s) => ClusterError::Status {
            method,
            url: url.to_string(),
            code: s.code,
            reason: s.reason.clone(),
            message: s.message.clone(),
        },
        other => ClusterError::Transport {
            method,
            url: url.to_string(),
            message: error_chain(&other),
        },
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

impl Cluster {
    /// The sealed-secrets controller's certificate, as kubeseal reads it: through the API
    /// server's proxy to the controller's Service (`--controller-namespace`,
    /// `--controller-name`), on its first port, path `/v1/cert.pem`.
    pub fn fetch_sealing_cert(
        &self,
        namespace: &str,
        service: &str,
    ) -> Result<String, ClusterError> {
        let svc = self.get_json(&requests::service_url(namespace, service))?;
        let port = requests::first_port_name(&svc).ok_or_else(|| {
            ClusterError::Answer(format!(
                "Service {namespace}/{service} has no ports (is it the sealed-secrets controller? see --controller-name, --controller-namespace)"
            ))
        })?;
        self.get_text(&requests::cert_proxy_url(namespace, service, &port))
    }
}
