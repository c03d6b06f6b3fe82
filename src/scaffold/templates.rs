//! Scaffold templates: minijinja templates embedded from templates/, each overridable by a
//! file of the same name in a user's `--templates DIR`. Rendering yields YAML text that the
//! caller parses and rewrites with the engine's writer. Reads override files only.

use minijinja::Environment;
use std::path::Path;

pub const EMBEDDED: &[(&str, &str)] = &[
    ("app.yaml.j2", include_str!("../../templates/app.yaml.j2")),
    (
        "application.yaml.j2",
        include_str!("../../templates/application.yaml.j2"),
    ),
    (
        "appproject.yaml.j2",
        include_str!("../../templates/appproject.yaml.j2"),
    ),
    (
        "argocd.yaml.j2",
        include_str!("../../templates/argocd.yaml.j2"),
    ),
    (
        "connect.yaml.j2",
        include_str!("../../templates/connect.yaml.j2"),
    ),
    (
        "connector.yaml.j2",
        include_str!("../../templates/connector.yaml.j2"),
    ),
    (
        "eventstreams.yaml.j2",
        include_str!("../../templates/eventstreams.yaml.j2"),
    ),
    (
        "imagestream.yaml.j2",
        include_str!("../../templates/imagestream.yaml.j2"),
    ),
    (
        "kafka.yaml.j2",
        include_str!("../../templates/kafka.yaml.j2"),
    ),
    (
        "queuemanager.yaml.j2",
        include_str!("../../templates/queuemanager.yaml.j2"),
    ),
    (
        "registry.yaml.j2",
        include_str!("../../templates/registry.yaml.j2"),
    ),
    (
        "topic.yaml.j2",
        include_str!("../../templates/topic.yaml.j2"),
    ),
    ("user.yaml.j2", include_str!("../../templates/user.yaml.j2")),
];

/// The template environment: embedded templates, replaced by same-named files in `dir`.
pub fn environment(dir: Option<&Path>) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| e.to_string())?,
    );
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Every value a template prints is written as a JSON scalar (valid YAML), so no name
    // or value can add lines, keys or documents to the text: a topic called
    // "a\nnamespace: kube-system" stays one string. `tojson` output (already safe) passes
    // as it is. Text around values is the template's own; build strings with `~`.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_formatter(|out, _state, value| {
        if value.is_safe() {
            return minijinja::escape_formatter(out, _state, value);
        }
        let json = serde_json::to_string(value).map_err(|e| {
            minijinja::Error::new(minijinja::ErrorKind::BadSerialization, e.to_string())
        })?;
        out.write_str(&json)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    });
    for (name, src) in EMBEDDED {
        let text = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
            Some(p) => std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?,
            None => src.to_string(),
        };
        env.add_template_owned(name.to_string(), text)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".j2"))
            .collect();
        files.sort();
        let embedded: Vec<String> = super::EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(files, embedded);
        assert!(super::environment(None).is_ok());
    }
}
