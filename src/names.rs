//! Validation of the names that become Kubernetes object names, Kafka topics, MQ objects,
//! OLM channels and path segments. Pure: each rule returns why a name is refused, never
//! touches a file. Sources of each rule are in the comments.

/// DNS-1123 label (Kubernetes `IsDNS1123Label`): lower-case alphanumerics and `-`, starting
/// and ending alphanumeric, at most `max` (63 at most) characters. Namespaces, and names
/// that become label values or Service names, use it.
pub fn dns_label(name: &str, max: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > max {
        return Err(format!(
            "is {} characters; at most {max} are allowed here",
            name.len()
        ));
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !name.chars().all(ok_char) || !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Err(
            "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
                .into(),
        );
    }
    Ok(())
}

/// DNS-1035 label (Kubernetes `IsDNS1035Label`, required of Service names): a DNS-1123
/// label that starts with a letter.
pub fn dns1035_label(name: &str, max: usize) -> Result<(), String> {
    dns_label(name, max)?;
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("must start with a lower-case letter (it names a Service)".into());
    }
    Ok(())
}

/// DNS-1123 subdomain (Kubernetes `IsDNS1123Subdomain`, most object names): labels joined
/// by `.`, at most 253 characters.
pub fn dns_subdomain(name: &str) -> Result<(), String> {
    if name.len() > 253 {
        return Err(format!(
            "is {} characters; Kubernetes names are at most 253",
            name.len()
        ));
    }
    if name.is_empty() || name.split('.').any(|l| dns_label(l, 63).is_err()) {
        return Err(
            "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit"
                .into(),
        );
    }
    Ok(())
}

/// Kafka topic names (Kafka's `Topic.validate`): 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn kafka_topic(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name == "." || name == ".." {
        return Err("`.` and `..` are not valid Kafka topic names".into());
    }
    if name.len() > 249 {
        return Err(format!(
            "is {} characters; Kafka topic names are at most 249",
            name.len()
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("Kafka topic names hold only ASCII letters, digits, '.', '_' and '-'".into());
    }
    Ok(())
}

/// Secret data keys (Kubernetes `IsConfigMapKey`): `[-._a-zA-Z0-9]+`, at most 253, not `.`
/// or `..`.
pub fn config_key(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if name == "." || name == ".." || name.starts_with("..") {
        return Err("must not be `.` or start with `..`".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err("a key holds only letters, digits, '-', '_' and '.'".into());
    }
    Ok(())
}

/// IBM MQ object names (queues 48, channels 20 characters): `A-Z a-z 0-9 . / _ %`
/// (IBM MQ docs, "Rules for naming IBM MQ objects").
pub fn mq_object(name: &str, max: usize) -> Result<(), String> {
    if name.is_empty() || name.len() > max {
        return Err(format!("must be 1 to {max} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '%'))
    {
        return Err("IBM MQ names hold only letters, digits, '.', '/', '_' and '%'".into());
    }
    Ok(())
}

/// OLM channel names as package manifests use them (`stable`, `v3.6`, `amq-streams-2.9.x`,
/// `strimzi-0.45.x`): a channel also becomes an overlay folder name and a YAML value, so
/// no `/`, `..`, whitespace, control characters, quotes or YAML indicators; at most 63.
pub fn olm_channel(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 63 {
        return Err("a channel name is 1 to 63 characters".into());
    }
    if name.contains("..") || name.starts_with('.') {
        return Err("a channel name must not start with '.' or hold '..'".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
    {
        return Err(
            "a channel name holds only letters, digits, '.', '-', '_' and '+' (no '/', spaces, quotes or control characters)"
                .into(),
        );
    }
    Ok(())
}

/// An image repository without tag or digest (the distribution reference grammar:
/// `[registry[:port]/]path`, path parts lower-case alphanumerics joined by `.`, `_`, `__`
/// or `-`). The tag has a field of its own.
pub fn image_repository(image: &str) -> Result<(), String> {
    if image.is_empty() || image.len() > 255 {
        return Err("an image is 1 to 255 characters".into());
    }
    if image.contains('@') {
        return Err("give the image without a digest (the tag goes in `tag`)".into());
    }
    let mut parts: Vec<&str> = image.split('/').collect();
    // A first part with a '.' or ':', or "localhost", is a registry host (with a port).
    let host = parts[0];
    if parts.len() > 1 && (host.contains('.') || host.contains(':') || host == "localhost") {
        let (h, port) = host.split_once(':').unwrap_or((host, ""));
        let host_ok = !h.is_empty()
            && h.split('.').all(|l| {
                !l.is_empty()
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !host_ok || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{host:?} is not a registry host[:port]"));
        }
        parts.remove(0);
    }
    for p in parts {
        let ok = !p.is_empty()
            && p.split(['.', '_', '-'])
                .all(|w| !w.is_empty() || p.contains("__"))
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && p.starts_with(|c: char| c.is_ascii_alphanumeric())
            && p.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(if p.contains(':') {
                "give the image without a tag (it goes in `tag`)".into()
            } else {
                format!(
                    "{p:?} is not a valid image path part (lower-case letters, digits, '.', '_', '-')"
                )
            });
        }
    }
    Ok(())
}

/// An image tag (distribution reference grammar): `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn image_tag(tag: &str) -> Result<(), String> {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok
        || tag.len() > 128
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(
            "an image tag is 1 to 128 of letters, digits, '_', '.' and '-', not starting with '.' or '-'"
                .into(),
        );
    }
    Ok(())
}

/// A Kubernetes object name for a Kafka topic: the topic itself when it is a DNS-1123
/// subdomain, otherwise a lower-cased form with a short hash of the real name (so `Items`
/// and `items` stay apart), as Strimzi's own topic operator names unsafe topics; the real
/// name then goes in `spec.topicName`.
pub fn topic_object_name(topic: &str) -> String {
    if dns_subdomain(topic).is_ok() {
        return topic.to_string();
    }
    use sha2_10::Digest;
    let hash = sha2_10::Sha256::digest(topic.as_bytes());
    let mut base: String = topic
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-') => c,
            _ => '-',
        })
        .collect();
    base.truncate(200);
    let base = base.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    let mut name = if base.is_empty() {
        format!("topic-{hex}")
    } else {
        format!("{base}-{hex}")
    };
    // Parts between dots must be labels too: fold `.-`, `-.` and `..` away.
    while name.contains("..") || name.contains(".-") || name.contains("-.") {
        name = name
            .replace("..", ".")
            .replace(".-", "-")
            .replace("-.", "-");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        assert!(dns_label("rt-inventory", 63).is_ok());
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64), "a\nb"] {
            assert!(dns_label(bad, 63).is_err(), "{bad:?}");
        }
        assert!(dns1035_label("1abc", 63).is_err());
        assert!(dns_subdomain("a.b-c").is_ok());
        assert!(dns_subdomain("a..b").is_err());
        assert!(dns_subdomain(&"a".repeat(254)).is_err());
    }

    #[test]
    fn kafka_topics_and_channels() {
        assert!(kafka_topic("Items_v1.x-y").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../../x",
            "a b",
            "a\nnamespace: x",
            &"a".repeat(250),
        ] {
            assert!(kafka_topic(bad).is_err(), "{bad:?}");
        }
        assert!(olm_channel("v3.2-sc2").is_ok());
        assert!(olm_channel("amq-streams-2.9.x").is_ok());
        for bad in [
            "",
            "stable/v9",
            "../../../x",
            "v9 #x",
            "v9\nx: y",
            "a..b",
            "'v9'",
        ] {
            assert!(olm_channel(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn images_and_tags() {
        for ok in [
            "quay.io/ibmcase/eda-store-simulator",
            "nginx",
            "localhost:5000/a/b",
            "icr.io/cp/ibm-eventstreams-kafka",
            "a__b/c.d-e",
        ] {
            assert!(image_repository(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "quay.io/x:tag",
            "x@sha256:zz",
            "Upper/x",
            "a b",
            "a//b",
            "bad host!/x",
        ] {
            assert!(image_repository(bad).is_err(), "{bad:?}");
        }
        assert!(image_tag("0.0.8").is_ok() && image_tag("v1_rc-2").is_ok());
        for bad in ["", ".x", "-x", "0.0.8\nevil: x", "a b", &"t".repeat(129)] {
            assert!(image_tag(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unsafe_topics_get_distinct_valid_object_names() {
        assert_eq!(topic_object_name("items"), "items");
        let a = topic_object_name("Items");
        let b = topic_object_name("items_");
        assert!(
            dns_subdomain(&a).is_ok() && dns_subdomain(&b).is_ok(),
            "{a} {b}"
        );
        assert_ne!(a, topic_object_name("ITEMS"));
        assert!(dns_subdomain(&topic_object_name("__a._-.b")).is_ok());
        assert!(dns_subdomain(&topic_object_name("___")).is_ok());
    }
}
