//! Sealed Secrets: the hybrid encryption the sealed-secrets controller reads (RSA-OAEP
//! SHA-256 wrapping a fresh AES-256-GCM key per value), SealedSecret objects, and the
//! recovery path. Pure library: never prints, never writes files, never puts a plaintext
//! value in an error message.

use crate::yaml::{Map, Value, str_at};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use rand_core::{OsRng, RngCore};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha2_10::Sha256;
use std::time::SystemTime;

const NAMESPACE_WIDE: &str = "sealedsecrets.bitnami.com/namespace-wide";
const CLUSTER_WIDE: &str = "sealedsecrets.bitnami.com/cluster-wide";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("private key: {0}")]
    PrivateKey(String),
    #[error("{0}")]
    Input(String),
    #[error("decryption failed for key {key:?}: no private key opens it under label {label:?}")]
    Decrypt { key: String, label: String },
}

pub type Result<T> = std::result::Result<T, SealError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Strict,
    NamespaceWide,
    ClusterWide,
}

impl Scope {
    pub fn parse(s: &str) -> Result<Scope> {
        match s {
            "strict" => Ok(Scope::Strict),
            "namespace-wide" => Ok(Scope::NamespaceWide),
            "cluster-wide" => Ok(Scope::ClusterWide),
            other => Err(SealError::Input(format!(
                "unknown scope {other:?} (strict, namespace-wide or cluster-wide)"
            ))),
        }
    }
}

/// The label binding a value to where it may be unsealed.
pub fn label(scope: Scope, namespace: &str, name: &str) -> String {
    match scope {
        Scope::Strict => format!("{namespace}/{name}"),
        Scope::NamespaceWide => namespace.to_string(),
        Scope::ClusterWide => String::new(),
    }
}

/// The controller's public certificate.
pub struct Certificate {
    key: RsaPublicKey,
}

impl Certificate {
    /// Reads a PEM X.509 certificate with an RSA key; refuses expired ones.
    pub fn from_pem(pem: &[u8]) -> Result<Certificate> {
        Self::from_pem_at(pem, SystemTime::now())
    }

    pub fn from_pem_at(pem: &[u8], now: SystemTime) -> Result<Certificate> {
        use x509_cert::der::{Decode, pem::PemLabel};
        // As kubeseal: every CERTIFICATE block is read and the first one is used; other
        // blocks (a key, a chain's extra certificates) are passed over.
        let text = std::str::from_utf8(pem)
            .map_err(|_| SealError::Certificate("not a PEM file (not text)".into()))?;
        let mut first = None;
        for block in pem_blocks(text) {
            let (label, der) = x509_cert::der::pem::decode_vec(block.as_bytes())
                .map_err(|e| SealError::Certificate(format!("unreadable PEM block: {e}")))?;
            if label == x509_cert::Certificate::PEM_LABEL {
                first = Some(der);
                break;
            }
        }
        let der = first.ok_or_else(|| {
            SealError::Certificate("not a PEM X.509 certificate: no CERTIFICATE block".into())
        })?;
        let cert = x509_cert::Certificate::from_der(&der)
            .map_err(|e| SealError::Certificate(format!("not a PEM X.509 certificate: {e}")))?;
        let tbs = &cert.tbs_certificate;
        let not_after = tbs.validity.not_after.to_system_time();
        if not_after < now {
            return Err(SealError::Certificate(format!(
                "expired at {} (refusing to seal for it)",
                tbs.validity.not_after
            )));
        }
        let spki = &tbs.subject_public_key_info;
        if spki.algorithm.oid.to_string() != "1.2.840.113549.1.1.1" {
            return Err(SealError::Certificate(format!(
                "the key is not RSA (algorithm {})",
                spki.algorithm.oid
            )));
        }
        let parsed = rsa::pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
            .map_err(|e| SealError::Certificate(format!("unreadable RSA key: {e}")))?;
        let n = rsa::BigUint::from_bytes_be(parsed.modulus.as_bytes());
        let e = rsa::BigUint::from_bytes_be(parsed.public_exponent.as_bytes());
        // The rsa crate caps keys at 4096 bits by default; the controller's can be larger
        // (kubeseal takes 8192-bit keys), so allow up to 16384.
        let key = RsaPublicKey::new_with_max_size(n, e, 16384)
            .map_err(|e| SealError::Certificate(format!("unusable RSA key: {e}")))?;
        Ok(Certificate { key })
    }
}

/// The `-----BEGIN ...-----` to `-----END ...-----` blocks of a PEM text, in order.
fn pem_blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(end_marker) = block.find("-----END ") else {
            break;
        };
        let end = block[end_marker + 9..]
            .find("-----")
            .map(|i| end_marker + 9 + i + 5)
            .unwrap_or(block.len());
        out.push(&block[..end]);
        rest = &block[end..];
    }
    out
}

/// Every RSA private key in a PEM file (PKCS#1 or PKCS#8), in file order.
pub fn private_keys_from_pem(pem: &str) -> Result<Vec<RsaPrivateKey>> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let mut keys = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(end_marker) = block.find("-----END ") else {
            break;
        };
        let end = block[end_marker..]
            .find('\n')
            .map(|i| end_marker + i + 1)
            .unwrap_or(block.len());
        let one = &block[..end];
        if one.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            keys.push(
                RsaPrivateKey::from_pkcs1_pem(one)
                    .map_err(|e| SealError::PrivateKey(format!("unreadable PKCS#1 key: {e}")))?,
            );
        } else if one.starts_with("-----BEGIN PRIVATE KEY-----") {
            keys.push(
                RsaPrivateKey::from_pkcs8_pem(one)
                    .map_err(|e| SealError::PrivateKey(format!("unreadable PKCS#8 key: {e}")))?,
            );
        }
        rest = &block[end..];
    }
    if keys.is_empty() {
        return Err(SealError::PrivateKey(
            "no RSA private key found in the PEM input".into(),
        ));
    }
    Ok(keys)
}

/// MGF1 with SHA-256 (RFC 8017, B.2.1).
fn mgf1(seed: &[u8], len: usize) -> Vec<u8> {
    use sha2_10::Digest;
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(seed);
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// RSAES-OAEP encryption with SHA-256 and MGF1-SHA-256 (RFC 8017, 7.1.1). The public
/// exponentiation is plain square-and-multiply, about twice as fast here as the rsa crate's
/// windowed Montgomery for the small public exponent; decryption stays with the rsa crate,
/// and the tests check both against an independent implementation.
fn oaep_encrypt(key: &RsaPublicKey, label: &str, msg: &[u8]) -> Result<Vec<u8>> {
    use rsa::BigUint;
    use rsa::traits::PublicKeyParts;
    use sha2_10::Digest;
    let k = key.size();
    let h_len = 32;
    if msg.len() + 2 * h_len + 2 > k {
        return Err(SealError::Certificate(
            "RSA key too small for OAEP with SHA-256".into(),
        ));
    }
    let mut db = Vec::with_capacity(k - h_len - 1);
    db.extend_from_slice(&Sha256::digest(label.as_bytes()));
    db.resize(k - msg.len() - h_len - 2, 0);
    db.push(1);
    db.extend_from_slice(msg);
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    for (d, m) in db.iter_mut().zip(mgf1(&seed, k - h_len - 1)) {
        *d ^= m;
    }
    for (s, m) in seed.iter_mut().zip(mgf1(&db, h_len)) {
        *s ^= m;
    }
    let mut em = Vec::with_capacity(k);
    em.push(0);
    em.extend_from_slice(&seed);
    em.extend_from_slice(&db);
    let (n, e) = (key.n(), key.e());
    let m = BigUint::from_bytes_be(&em);
    let mut c = m.clone();
    let e_bytes = e.to_bytes_be();
    let bits: Vec<bool> = e_bytes
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1))
        .skip_while(|b| !b)
        .collect();
    for &bit in bits.iter().skip(1) {
        c = (&c * &c) % n;
        if bit {
            c = (&c * &m) % n;
        }
    }
    let bytes = c.to_bytes_be();
    let mut out = vec![0u8; k - bytes.len()];
    out.extend_from_slice(&bytes);
    Ok(out)
}

/// Seals one value: 2-byte length, RSA-OAEP(session key), AES-256-GCM(value).
pub fn encrypt(cert: &Certificate, label: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut session = [0u8; 32];
    OsRng.fill_bytes(&mut session);
    let wrapped = oaep_encrypt(&cert.key, label, &session)?;
    let cipher = Aes256Gcm::new_from_slice(&session).expect("32-byte key");
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&[0u8; 12]),
            Payload {
                msg: plaintext,
                aad: &[],
            },
        )
        .map_err(|_| SealError::Input("AES-GCM encryption failed".into()))?;
    let mut out = Vec::with_capacity(2 + wrapped.len() + sealed.len());
    out.extend_from_slice(&(wrapped.len() as u16).to_be_bytes());
    out.extend_from_slice(&wrapped);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Seals many values at once, spread over the machine's cores (each RSA operation is
/// independent). Results come back in input order.
pub fn encrypt_many(cert: &Certificate, items: &[(String, Vec<u8>)]) -> Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    if threads <= 1 {
        return items.iter().map(|(l, v)| encrypt(cert, l, v)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(l, v)| encrypt(cert, l, v))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            out.extend(h.join().expect("sealing thread")?);
        }
        Ok(out)
    })
}

/// Opens one value with the first key that fits; `None` if none does.
pub fn decrypt(keys: &[RsaPrivateKey], label: &str, data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 2 {
        return None;
    }
    let n = u16::from_be_bytes([data[0], data[1]]) as usize;
    if data.len() < 2 + n {
        return None;
    }
    let (wrapped, sealed) = (&data[2..2 + n], &data[2 + n..]);
    keys.iter().find_map(|k| {
        let session = k
            .decrypt(Oaep::new_with_label::<Sha256, _>(label), wrapped)
            .ok()?;
        let cipher = Aes256Gcm::new_from_slice(&session).ok()?;
        cipher
            .decrypt(
                Nonce::from_slice(&[0u8; 12]),
                Payload {
                    msg: sealed,
                    aad: &[],
                },
            )
            .ok()
    })
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::String(s)) if s == "true") || matches!(v, Some(Value::Bool(true)))
}

/// The scope a Secret asks for through its annotations, if any.
pub fn scope_from_annotations(obj: &Value) -> Option<Scope> {
    let annos = obj.get("metadata").and_then(|m| m.get("annotations"));
    if is_true(annos.and_then(|a| a.get(CLUSTER_WIDE))) {
        Some(Scope::ClusterWide)
    } else if is_true(annos.and_then(|a| a.get(NAMESPACE_WIDE))) {
        Some(Scope::NamespaceWide)
    } else {
        None
    }
}

/// Options of `seal` beyond the scope.
#[derive(Debug, Clone, Copy, Default)]
pub struct SealOptions {
    pub allow_empty_data: bool,
}

/// Turns a Secret into a SealedSecret. `scope` overrides the Secret's annotations.
pub fn seal(
    secret: &Value,
    cert: &Certificate,
    scope: Option<Scope>,
    opts: SealOptions,
) -> Result<Value> {
    if str_at(secret, &["kind"]) != "Secret" {
        return Err(SealError::Input(format!(
            "expected a Secret, got kind {:?}",
            str_at(secret, &["kind"])
        )));
    }
    let scope = scope
        .or_else(|| scope_from_annotations(secret))
        .unwrap_or(Scope::Strict);
    let name = str_at(secret, &["metadata", "name"]);
    let namespace = str_at(secret, &["metadata", "namespace"]);
    if scope != Scope::ClusterWide && namespace.is_empty() {
        return Err(SealError::Input(format!(
            "a {} secret needs metadata.namespace",
            if scope == Scope::Strict {
                "strict"
            } else {
                "namespace-wide"
            }
        )));
    }
    if scope == Scope::Strict && name.is_empty() {
        return Err(SealError::Input(
            "a strict secret needs metadata.name".into(),
        ));
    }
    let mut values: Vec<(String, Vec<u8>)> = Vec::new();
    // kubeseal decodes the input as a Kubernetes Secret: `data` is a map of base64 strings
    // and `stringData` a map of strings. A YAML number or boolean there is refused, naming
    // the key: `pin: 0123` would otherwise seal "83". Values never appear in messages.
    let field_map = |field: &str| -> Result<Option<&Map>> {
        match secret.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(SealError::Input(format!(
                "{field} must be a mapping of keys to strings"
            ))),
        }
    };
    let not_string = |field: &str, k: &str, v: &Value| {
        SealError::Input(format!(
            "{field}.{k}: must be a string, found a {} (quote the value in YAML)",
            match v {
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::Array(_) => "list",
                Value::Object(_) => "mapping",
                _ => "value",
            }
        ))
    };
    if let Some(data) = field_map("data")? {
        for (k, v) in data {
            crate::names::config_key(k)
                .map_err(|e| SealError::Input(format!("data: key {k:?} {e}")))?;
            let text: String = match v {
                Value::String(s) => s.chars().filter(|c| !c.is_whitespace()).collect(),
                Value::Null => String::new(),
                other => return Err(not_string("data", k, other)),
            };
            let bytes = b64()
                .decode(text.as_bytes())
                .map_err(|_| SealError::Input(format!("data.{k} is not valid base64")))?;
            values.push((k.clone(), bytes));
        }
    }
    if let Some(sd) = field_map("stringData")? {
        for (k, v) in sd {
            crate::names::config_key(k)
                .map_err(|e| SealError::Input(format!("stringData: key {k:?} {e}")))?;
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => return Err(not_string("stringData", k, other)),
            };
            values.retain(|(x, _)| x != k);
            values.push((k.clone(), s.into_bytes()));
        }
    }
    if values.is_empty() && !opts.allow_empty_data {
        return Err(SealError::Input(
            "the Secret has no data (use --allow-empty-data to seal it anyway)".into(),
        ));
    }
    let lbl = label(scope, namespace, name);
    let mut encrypted = Map::new();
    values.sort_by(|a, b| a.0.cmp(&b.0));
    let items: Vec<(String, Vec<u8>)> = values
        .iter()
        .map(|(_, v)| (lbl.clone(), v.clone()))
        .collect();
    for ((k, _), sealed) in values.iter().zip(encrypt_many(cert, &items)?) {
        encrypted.insert(k.clone(), Value::String(b64().encode(sealed)));
    }
    Ok(sealed_object(secret, scope, encrypted))
}

fn sealed_object(secret: &Value, scope: Scope, encrypted: Map) -> Value {
    let name = str_at(secret, &["metadata", "name"]).to_string();
    let namespace = str_at(secret, &["metadata", "namespace"]).to_string();
    let mut md = Map::new();
    md.insert("name".into(), Value::String(name.clone()));
    if !namespace.is_empty() {
        md.insert("namespace".into(), Value::String(namespace.clone()));
    }
    match scope {
        Scope::Strict => {}
        Scope::NamespaceWide => {
            md.insert(
                "annotations".into(),
                serde_json::json!({ NAMESPACE_WIDE: "true" }),
            );
        }
        Scope::ClusterWide => {
            md.insert(
                "annotations".into(),
                serde_json::json!({ CLUSTER_WIDE: "true" }),
            );
        }
    }
    let mut tmd = Map::new();
    tmd.insert("name".into(), Value::String(name));
    if !namespace.is_empty() {
        tmd.insert("namespace".into(), Value::String(namespace));
    }
    let src_md = secret.get("metadata");
    if let Some(Value::Object(l)) = src_md.and_then(|m| m.get("labels"))
        && !l.is_empty()
    {
        tmd.insert("labels".into(), Value::Object(l.clone()));
    }
    if let Some(Value::Object(a)) = src_md.and_then(|m| m.get("annotations")) {
        let kept: Map = a
            .iter()
            .filter(|(k, _)| k.as_str() != LAST_APPLIED)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !kept.is_empty() {
            tmd.insert("annotations".into(), Value::Object(kept));
        }
    }
    let mut template = Map::new();
    template.insert("metadata".into(), Value::Object(tmd));
    template.insert(
        "type".into(),
        secret
            .get("type")
            .cloned()
            .unwrap_or_else(|| Value::String("Opaque".into())),
    );
    if let Some(im) = secret.get("immutable") {
        template.insert("immutable".into(), im.clone());
    }
    let mut spec = Map::new();
    spec.insert("encryptedData".into(), Value::Object(encrypted));
    spec.insert("template".into(), Value::Object(template));
    serde_json::json!({
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": Value::Object(md),
        "spec": Value::Object(spec),
    })
}

/// Adds or replaces entries of `encryptedData` in an existing SealedSecret object; the
/// scope comes from that object's annotations.
pub fn merge_into(
    existing: &mut Value,
    secret: &Value,
    cert: &Certificate,
    opts: SealOptions,
) -> Result<Vec<String>> {
    if str_at(existing, &["kind"]) != "SealedSecret" {
        return Err(SealError::Input(
            "the file to merge into is not a SealedSecret".into(),
        ));
    }
    let scope = scope_from_annotations(existing).unwrap_or(Scope::Strict);
    let mut target = secret.clone();
    if let Some(md) = target.get_mut("metadata").and_then(Value::as_object_mut) {
        md.insert(
            "name".into(),
            Value::String(str_at(existing, &["metadata", "name"]).into()),
        );
        md.insert(
            "namespace".into(),
            Value::String(str_at(existing, &["metadata", "namespace"]).into()),
        );
    }
    let fresh = seal(&target, cert, Some(scope), opts)?;
    let mut keys = Vec::new();
    let spec = existing
        .get_mut("spec")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| SealError::Input("the SealedSecret has no spec mapping".into()))?;
    // A SealedSecret without entries yet gets them, as kubeseal --merge-into does.
    let enc = spec
        .entry("encryptedData")
        .or_insert_with(|| Value::Object(Map::new()));
    if enc.is_null() {
        *enc = Value::Object(Map::new());
    }
    let enc = enc
        .as_object_mut()
        .ok_or_else(|| SealError::Input("spec.encryptedData is not a mapping".into()))?;
    if let Some(Value::Object(new)) = fresh.get("spec").and_then(|s| s.get("encryptedData")) {
        for (k, v) in new {
            enc.insert(k.clone(), v.clone());
            keys.push(k.clone());
        }
    }
    Ok(keys)
}

/// Writes new `spec.encryptedData` entries into the text of a SealedSecret YAML file,
/// changing only the lines of those entries: comments, order, quoting and blank lines
/// elsewhere stay byte for byte.
pub fn merge_encrypted_text(text: &str, entries: &[(String, String)]) -> Result<String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        lines.last_mut().expect("non-empty").push('\n');
    }
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let is_content = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    let spec = lines
        .iter()
        .position(|l| indent(l) == 0 && l.trim_end().starts_with("spec:"))
        .ok_or_else(|| SealError::Input("no top-level spec: in the SealedSecret file".into()))?;
    let block_end = |from: usize, ind: usize, lines: &[String]| {
        let mut j = from + 1;
        while j < lines.len() && (!is_content(&lines[j]) || indent(&lines[j]) > ind) {
            j += 1;
        }
        // Trailing blank or comment lines belong to what follows.
        while j > from + 1 && !is_content(&lines[j - 1]) {
            j -= 1;
        }
        j
    };
    let spec_end = block_end(spec, 0, &lines);
    let ed = (spec + 1..spec_end)
        .find(|&i| is_content(&lines[i]) && lines[i].trim_start().starts_with("encryptedData:"))
        .ok_or_else(|| SealError::Input("no spec.encryptedData in the SealedSecret file".into()))?;
    let ed_indent = indent(&lines[ed]);
    if lines[ed].trim_end().ends_with("{}") {
        lines[ed] = format!("{}encryptedData:\n", " ".repeat(ed_indent));
    }
    let mut end = block_end(ed, ed_indent, &lines);
    let child_indent = (ed + 1..end)
        .find(|&i| is_content(&lines[i]))
        .map(|i| indent(&lines[i]))
        .unwrap_or(ed_indent + 2);
    for (key, value) in entries {
        let plain_key = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !key.starts_with(['-', '.']);
        let key_text = if plain_key {
            key.clone()
        } else {
            serde_json::to_string(key).expect("string")
        };
        let new_line = format!("{}{key_text}: {value}\n", " ".repeat(child_indent));
        let found = (ed + 1..end).find(|&i| {
            indent(&lines[i]) == child_indent && {
                let t = lines[i].trim_start();
                let k = t
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches(['"', '\'']);
                k == key
            }
        });
        match found {
            Some(i) => {
                let mut j = i + 1;
                while j < end
                    && (!is_content(&lines[j]) || indent(&lines[j]) > child_indent)
                    && lines[j].trim() != ""
                {
                    j += 1;
                }
                lines.splice(i..j, [new_line]);
                end = block_end(ed, ed_indent, &lines);
            }
            None => {
                lines.insert(end, new_line);
                end += 1;
            }
        }
    }
    Ok(lines.concat())
}

/// Recovery: decrypts a SealedSecret back into a Secret with the controller's private keys.
pub fn unseal(sealed: &Value, keys: &[RsaPrivateKey]) -> Result<Value> {
    if str_at(sealed, &["kind"]) != "SealedSecret" {
        return Err(SealError::Input("expected a SealedSecret".into()));
    }
    let scope = scope_from_annotations(sealed).unwrap_or(Scope::Strict);
    let name = str_at(sealed, &["metadata", "name"]);
    let namespace = str_at(sealed, &["metadata", "namespace"]);
    let lbl = label(scope, namespace, name);
    let mut data = Map::new();
    let enc = sealed
        .get("spec")
        .and_then(|s| s.get("encryptedData"))
        .and_then(Value::as_object);
    for (k, v) in enc.into_iter().flatten() {
        let raw = b64()
            .decode(v.as_str().unwrap_or("").as_bytes())
            .map_err(|_| SealError::Input(format!("encryptedData.{k} is not valid base64")))?;
        let plain = decrypt(keys, &lbl, &raw).ok_or_else(|| SealError::Decrypt {
            key: k.clone(),
            label: lbl.clone(),
        })?;
        data.insert(k.clone(), Value::String(b64().encode(plain)));
    }
    let template = sealed.get("spec").and_then(|s| s.get("template"));
    let mut md = template
        .and_then(|t| t.get("metadata"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    md.insert("name".into(), Value::String(name.into()));
    if !namespace.is_empty() {
        md.insert("namespace".into(), Value::String(namespace.into()));
    }
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::String("v1".into()));
    out.insert("kind".into(), Value::String("Secret".into()));
    out.insert("metadata".into(), Value::Object(md));
    out.insert("data".into(), Value::Object(data));
    if let Some(t) = template.and_then(|t| t.get("type")) {
        out.insert("type".into(), t.clone());
    }
    if let Some(i) = template.and_then(|t| t.get("immutable")) {
        out.insert("immutable".into(), i.clone());
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# keep me\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db # inline\nspec:\n  encryptedData:\n    a: AAAA\n    # about b\n    b: BBBB\n\n  template:\n    type: Opaque\n";

    #[test]
    fn text_merge_replaces_in_place_and_appends_new_keys() {
        let out = merge_encrypted_text(
            FILE,
            &[("b".into(), "NEWB".into()), ("c".into(), "CCCC".into())],
        )
        .unwrap();
        assert_eq!(
            out,
            FILE.replace("    b: BBBB\n", "    b: NEWB\n    c: CCCC\n"),
        );
    }

    #[test]
    fn text_merge_fills_an_empty_inline_map() {
        let f = "spec:\n  encryptedData: {}\n  template: {}\n";
        let out = merge_encrypted_text(f, &[("x".into(), "XX".into())]).unwrap();
        assert_eq!(out, "spec:\n  encryptedData:\n    x: XX\n  template: {}\n");
    }
}
