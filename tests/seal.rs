//! Sealed Secrets: round trips for every scope, label binding, output shape, bad input,
//! and an independent cross-check against the PyPI package `aes-gcm-rsa-oaep`.

mod common;
use base64::Engine;
use common::{Test, repo_root};
use manifesto::seal::{self, Certificate, Scope, SealOptions};
use manifesto::yaml::{self, Value};
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures/seal").join(name)
}

fn cert() -> Certificate {
    Certificate::from_pem(&std::fs::read(fixture("TEST-ONLY-sealing-cert.pem")).unwrap()).unwrap()
}

fn keys(name: &str) -> Vec<rsa::RsaPrivateKey> {
    seal::private_keys_from_pem(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n  labels:\n    app: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\n    team: payments\ntype: kubernetes.io/basic-auth\nstringData:\n  password: pa55word-NOT-REAL\ndata:\n  username: YWRtaW4=\n";

fn secret() -> Value {
    yaml::parse_one(SECRET).unwrap()
}

#[test]
fn round_trip_through_recovery_for_every_scope() {
    let c = cert();
    let k = keys("TEST-ONLY-sealing-key.pem");
    for scope in [Scope::Strict, Scope::NamespaceWide, Scope::ClusterWide] {
        let sealed = seal::seal(&secret(), &c, Some(scope), SealOptions::default()).unwrap();
        let back = seal::unseal(&sealed, &k).unwrap();
        assert_eq!(
            back["data"]["password"],
            base64::engine::general_purpose::STANDARD.encode("pa55word-NOT-REAL")
        );
        assert_eq!(back["data"]["username"], "YWRtaW4=");
        assert_eq!(back["type"], "kubernetes.io/basic-auth");
    }
}

#[test]
fn a_value_sealed_for_one_name_or_namespace_does_not_open_under_another() {
    let c = cert();
    let k = keys("TEST-ONLY-sealing-key.pem");
    let sealed = seal::encrypt(&c, &seal::label(Scope::Strict, "shop", "db"), b"v").unwrap();
    assert_eq!(
        seal::decrypt(&k, "shop/db", &sealed).as_deref(),
        Some(&b"v"[..])
    );
    assert!(seal::decrypt(&k, "shop/other", &sealed).is_none());
    assert!(seal::decrypt(&k, "other/db", &sealed).is_none());
    assert!(seal::decrypt(&k, "", &sealed).is_none());
    let ns_wide = seal::encrypt(&c, "shop", b"v").unwrap();
    assert!(seal::decrypt(&k, "other", &ns_wide).is_none());
    // A strict SealedSecret renamed by hand no longer opens.
    let mut obj = seal::seal(&secret(), &c, None, SealOptions::default()).unwrap();
    obj["metadata"]["name"] = Value::String("renamed".into());
    assert!(seal::unseal(&obj, &k).is_err());
}

#[test]
fn output_shape() {
    let sealed = seal::seal(
        &secret(),
        &cert(),
        Some(Scope::NamespaceWide),
        SealOptions::default(),
    )
    .unwrap();
    let text = yaml::to_yaml(&sealed);
    let v = yaml::parse_one(&text).unwrap();
    assert_eq!(v["apiVersion"], "bitnami.com/v1alpha1");
    assert_eq!(v["kind"], "SealedSecret");
    assert_eq!(v["metadata"]["name"], "db");
    assert_eq!(v["metadata"]["namespace"], "shop");
    assert_eq!(
        v["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"],
        "true"
    );
    let enc = v["spec"]["encryptedData"].as_object().unwrap();
    assert_eq!(enc.keys().collect::<Vec<_>>(), vec!["password", "username"]);
    let t = &v["spec"]["template"];
    assert_eq!(t["type"], "kubernetes.io/basic-auth");
    assert_eq!(t["metadata"]["labels"]["app"], "shop");
    assert_eq!(t["metadata"]["annotations"]["team"], "payments");
    assert!(
        t["metadata"]["annotations"]
            .get("kubectl.kubernetes.io/last-applied-configuration")
            .is_none()
    );
    assert!(!text.contains("pa55word"), "plaintext leaked into output");
    // Each value sealed afresh: sealing twice gives different ciphertexts.
    let again = seal::seal(
        &secret(),
        &cert(),
        Some(Scope::NamespaceWide),
        SealOptions::default(),
    )
    .unwrap();
    assert_ne!(
        again["spec"]["encryptedData"]["password"],
        sealed["spec"]["encryptedData"]["password"]
    );
}

#[test]
fn scope_from_annotations_is_used_and_written_back() {
    let mut s = secret();
    s["metadata"]["annotations"]["sealedsecrets.bitnami.com/cluster-wide"] =
        Value::String("true".into());
    s["metadata"].as_object_mut().unwrap().remove("namespace");
    let sealed = seal::seal(&s, &cert(), None, SealOptions::default()).unwrap();
    assert_eq!(
        sealed["metadata"]["annotations"]["sealedsecrets.bitnami.com/cluster-wide"],
        "true"
    );
    let back = seal::unseal(&sealed, &keys("TEST-ONLY-sealing-key.pem")).unwrap();
    assert_eq!(back["data"]["username"], "YWRtaW4=");
}

fn seal_cli(secret: &str, extra: &[&str]) -> common::Ran {
    let cert = fixture("TEST-ONLY-sealing-cert.pem");
    let cert = cert.to_str().unwrap().to_string();
    let mut args = vec!["seal", "--cert", cert.as_str(), "-f", "s.yaml"];
    args.extend_from_slice(extra);
    Test::new().file("s.yaml", secret).args(&args).run()
}

#[test]
fn bad_input_is_refused_without_echoing_plaintext() {
    let cases: Vec<(String, Vec<&str>, &str)> = vec![
        (
            SECRET.replace("kind: Secret", "kind: ConfigMap"),
            vec![],
            "expected a Secret",
        ),
        (
            SECRET.replace("  namespace: shop\n", ""),
            vec![],
            "needs metadata.namespace",
        ),
        (
            SECRET.replace("  namespace: shop\n", ""),
            vec!["--scope", "namespace-wide"],
            "needs metadata.namespace",
        ),
        (
            SECRET.replace("  name: db\n", ""),
            vec![],
            "needs metadata.name",
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\n  namespace: n\n".into(),
            vec![],
            "no data",
        ),
        (
            SECRET.replace("YWRtaW4=", "pa55word-NOT-REAL!!"),
            vec![],
            "data.username is not valid base64",
        ),
        (
            format!("{SECRET}  broken: [pa55word-NOT-REAL\n"),
            vec![],
            "line",
        ),
    ];
    for (input, extra, want) in cases {
        let ran = seal_cli(&input, &extra)
            .status(2)
            .stderr_has(want)
            .no_panic();
        assert!(
            !ran.stderr().contains("pa55word"),
            "plaintext in error: {}",
            ran.stderr()
        );
        assert!(ran.stdout().is_empty());
    }
    let empty_ok = seal_cli(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\n  namespace: n\n",
        &["--allow-empty-data"],
    );
    empty_ok.status(0);
}

#[test]
fn bad_certificates_and_keys_are_refused() {
    for (cert, want) in [
        ("TEST-ONLY-expired-cert.pem", "expired"),
        ("TEST-ONLY-ec-cert.pem", "not RSA"),
        ("README.md", "not a PEM X.509 certificate"),
    ] {
        let c = fixture(cert);
        Test::new()
            .file("s.yaml", SECRET)
            .args(&[
                "seal",
                "--cert",
                c.to_str().unwrap(),
                "-f",
                "s.yaml",
                "-w",
                "out.yaml",
            ])
            .run()
            .status(2)
            .stderr_has(want)
            .no_panic();
    }
    // Wrong private key on recovery: refused, and nothing printed.
    let sealed =
        yaml::to_yaml(&seal::seal(&secret(), &cert(), None, SealOptions::default()).unwrap());
    let other = fixture("TEST-ONLY-other-key.pem");
    let ran = Test::new()
        .file("sealed.yaml", &sealed)
        .args(&[
            "seal",
            "--recovery-unseal",
            "--recovery-private-key",
            other.to_str().unwrap(),
            "-f",
            "sealed.yaml",
        ])
        .run()
        .status(2)
        .stderr_has("decryption failed");
    assert!(ran.stdout().is_empty());
    // A file holding several keys: the right one is found.
    let both = format!(
        "{}{}",
        std::fs::read_to_string(fixture("TEST-ONLY-other-key.pem")).unwrap(),
        std::fs::read_to_string(fixture("TEST-ONLY-sealing-key.pem")).unwrap()
    );
    let ran = Test::new()
        .file("sealed.yaml", &sealed)
        .file("keys.pem", &both)
        .args(&[
            "seal",
            "--recovery-unseal",
            "--recovery-private-key",
            "keys.pem",
            "-f",
            "sealed.yaml",
        ])
        .run()
        .status(0);
    assert!(ran.stdout().contains("kind: Secret"));
    // Recovery never writes a file.
    Test::new()
        .file("sealed.yaml", &sealed)
        .file("keys.pem", &both)
        .args(&[
            "seal",
            "--recovery-unseal",
            "--recovery-private-key",
            "keys.pem",
            "-f",
            "sealed.yaml",
            "-w",
            "plain.yaml",
        ])
        .run()
        .status(2)
        .stderr_has("never written to disk");
}

#[test]
fn merge_into_replaces_sealed_keys_and_keeps_the_rest() {
    let existing = "# team-owned\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\n  namespace: shop\nspec:\n  encryptedData:\n    keep: AAAA\n    username: BBBB\n  template:\n    metadata:\n      name: db\n      namespace: shop\n    type: Opaque\n";
    let cert = fixture("TEST-ONLY-sealing-cert.pem");
    let ran = Test::new()
        .file("sealed.yaml", existing)
        .file(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  username: bob\n",
        )
        .args(&[
            "seal",
            "--cert",
            cert.to_str().unwrap(),
            "-f",
            "s.yaml",
            "--merge-into",
            "sealed.yaml",
        ])
        .run()
        .status(0);
    let after =
        yaml::parse_one(&std::fs::read_to_string(ran.dir.join("sealed.yaml")).unwrap()).unwrap();
    assert_eq!(after["spec"]["encryptedData"]["keep"], "AAAA");
    assert_ne!(after["spec"]["encryptedData"]["username"], "BBBB");
    assert_eq!(after["spec"]["template"]["type"], "Opaque");
    let back = seal::unseal(&after, &keys("TEST-ONLY-sealing-key.pem"));
    // `keep` is not a real ciphertext, so a full unseal fails; the new key opens on its own.
    assert!(back.is_err());
    let raw = base64::engine::general_purpose::STANDARD
        .decode(after["spec"]["encryptedData"]["username"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        seal::decrypt(&keys("TEST-ONLY-sealing-key.pem"), "shop/db", &raw).as_deref(),
        Some(&b"bob"[..])
    );
}

#[test]
fn raw_mode_seals_one_value() {
    let cert = fixture("TEST-ONLY-sealing-cert.pem");
    let ran = Test::new()
        .file("v.txt", "hunter2")
        .args(&[
            "seal",
            "--cert",
            cert.to_str().unwrap(),
            "--raw",
            "--from-file",
            "v.txt",
            "--name",
            "db",
            "--namespace",
            "shop",
        ])
        .run()
        .status(0);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(ran.stdout().trim())
        .unwrap();
    assert_eq!(
        seal::decrypt(&keys("TEST-ONLY-sealing-key.pem"), "shop/db", &raw).as_deref(),
        Some(&b"hunter2"[..])
    );
}

/// A Python with `aes-gcm-rsa-oaep` installed: $MANIFESTO_SEAL_PYTHON, or a virtual
/// environment made under target/ on first use (PyPI is reachable on every machine here).
fn cross_check_python() -> PathBuf {
    if let Ok(p) = std::env::var("MANIFESTO_SEAL_PYTHON") {
        return PathBuf::from(p);
    }
    // Beside the build's own output, wherever CARGO_TARGET_DIR puts it.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let venv = target.join("seal-crosscheck-venv");
    let py = venv.join("bin/python");
    let ok = |py: &PathBuf| {
        Command::new(py)
            .args(["-c", "import aes_gcm_rsa_oaep"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ok(&py) {
        let st = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(st.success(), "could not create {}", venv.display());
        let st = Command::new(&py)
            .args(["-m", "pip", "install", "--quiet", "aes-gcm-rsa-oaep"])
            .status()
            .expect("pip install");
        assert!(st.success(), "pip install aes-gcm-rsa-oaep failed");
    }
    assert!(
        ok(&py),
        "aes_gcm_rsa_oaep is not importable from {}",
        py.display()
    );
    py
}

const PY: &str = r#"
import base64, sys
from cryptography.hazmat.primitives import serialization
from cryptography import x509
import aes_gcm_rsa_oaep as crypt
mode, label, a, b = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4]
if mode == "decrypt":
    key = serialization.load_pem_private_key(open(a, "rb").read(), password=None)
    print(crypt.decrypt(base64.b64decode(b), key, label).decode())
else:
    pub = x509.load_pem_x509_certificate(open(a, "rb").read()).public_key()
    print(base64.b64encode(crypt.encrypt(b.encode(), pub, label)).decode())
"#;

#[test]
fn independent_implementation_agrees_both_ways() {
    let py = cross_check_python();
    let key = fixture("TEST-ONLY-sealing-key.pem");
    let certp = fixture("TEST-ONLY-sealing-cert.pem");
    let k = keys("TEST-ONLY-sealing-key.pem");
    for (scope, label) in [
        (Scope::Strict, "shop/db"),
        (Scope::NamespaceWide, "shop"),
        (Scope::ClusterWide, ""),
    ] {
        assert_eq!(seal::label(scope, "shop", "db"), label);
        // manifesto seals, Python opens.
        let sealed = seal::encrypt(&cert(), label, "crosscheck-value".as_bytes()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&sealed);
        let out = Command::new(&py)
            .args(["-c", PY, "decrypt", label, key.to_str().unwrap(), &b64])
            .output()
            .expect("python decrypt");
        assert!(
            out.status.success(),
            "python could not open manifesto's value ({label:?}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "crosscheck-value"
        );
        // Python seals, manifesto opens.
        let out = Command::new(&py)
            .args([
                "-c",
                PY,
                "encrypt",
                label,
                certp.to_str().unwrap(),
                "from-python",
            ])
            .output()
            .expect("python encrypt");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(String::from_utf8_lossy(&out.stdout).trim())
            .unwrap();
        assert_eq!(
            seal::decrypt(&k, label, &raw).as_deref(),
            Some(&b"from-python"[..])
        );
    }
}

#[test]
fn merge_into_changes_only_the_merged_lines() {
    let existing = "# team-owned: do not reorder\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  namespace: shop   # the shop's namespace\n  name: db\nspec:\n  template:\n    type: Opaque\n  encryptedData:\n    # rotated 2026-11\n    username: BBBB\n    keep: AAAA\n";
    let cert = fixture("TEST-ONLY-sealing-cert.pem");
    let ran = Test::new()
        .file("sealed.yaml", existing)
        .file(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  username: bob\n",
        )
        .args(&[
            "seal",
            "--cert",
            cert.to_str().unwrap(),
            "-f",
            "s.yaml",
            "--merge-into",
            "sealed.yaml",
        ])
        .run()
        .status(0);
    let after = std::fs::read_to_string(ran.dir.join("sealed.yaml")).unwrap();
    let (a, b): (Vec<&str>, Vec<&str>) = (existing.lines().collect(), after.lines().collect());
    assert_eq!(a.len(), b.len(), "{after}");
    let changed: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    assert_eq!(
        changed,
        vec![11],
        "only the username line changes:\n{after}"
    );
    assert!(b[11].starts_with("    username: "));
}

#[test]
fn an_8192_bit_certificate_and_a_pem_with_several_blocks_are_taken() {
    let big = Certificate::from_pem(&std::fs::read(fixture("TEST-ONLY-8192-cert.pem")).unwrap())
        .expect("8192-bit certificates are accepted, as kubeseal does");
    let sealed = seal::seal(&secret(), &big, None, SealOptions::default()).unwrap();
    let back = seal::unseal(&sealed, &keys("TEST-ONLY-8192-key.pem")).unwrap();
    assert_eq!(back["data"]["password"], "cGE1NXdvcmQtTk9ULVJFQUw=");
    // A key block first, then two certificates: the first certificate is used.
    let pem = format!(
        "{}{}{}",
        std::fs::read_to_string(fixture("TEST-ONLY-other-key.pem")).unwrap(),
        std::fs::read_to_string(fixture("TEST-ONLY-sealing-cert.pem")).unwrap(),
        std::fs::read_to_string(fixture("TEST-ONLY-8192-cert.pem")).unwrap()
    );
    let first = Certificate::from_pem(pem.as_bytes()).unwrap();
    let sealed = seal::seal(&secret(), &first, None, SealOptions::default()).unwrap();
    assert!(seal::unseal(&sealed, &keys("TEST-ONLY-sealing-key.pem")).is_ok());
    assert!(seal::unseal(&sealed, &keys("TEST-ONLY-8192-key.pem")).is_err());
}

#[test]
fn merge_into_a_flow_style_or_empty_file_stays_valid() {
    let cert = fixture("TEST-ONLY-sealing-cert.pem");
    for existing in [
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s, namespace: ns}\nspec:\n  encryptedData: {old: AgAAAA}\n  template: {metadata: {name: s, namespace: ns}}\n",
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s, namespace: ns}\nspec:\n  template:\n    metadata: {name: s, namespace: ns}\n",
    ] {
        let ran = Test::new()
            .file("sealed.yaml", existing)
            .file("s.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\nstringData:\n  c: x\n")
            .args(&["seal", "--cert", cert.to_str().unwrap(), "-f", "s.yaml", "--merge-into", "sealed.yaml"])
            .run()
            .status(0);
        let after = yaml::parse_one(&std::fs::read_to_string(ran.dir.join("sealed.yaml")).unwrap())
            .expect("the merged file is valid YAML");
        let enc = after["spec"]["encryptedData"].as_object().unwrap();
        assert!(enc.contains_key("c"), "{after}");
        assert_eq!(enc.contains_key("old"), existing.contains("old"));
        assert_eq!(after["spec"]["template"]["metadata"]["name"], "s");
    }
}
