//! Transform stage: `images`. Rewrites container image references by name, tag and digest.
//! Must not touch anything but `image` fields.

use crate::kustomize::error::Result;
use crate::kustomize::fieldspec::{FieldSpec, apply, split_path};
use crate::kustomize::resmap::resource::Resource;
use crate::kustomize::types::Image;
use crate::yaml::Value;
use regex::Regex;

pub fn apply_images(
    resources: &mut [Resource],
    images: &[Image],
    specs: &[FieldSpec],
) -> Result<()> {
    if images.is_empty() {
        return Ok(());
    }
    for img in images {
        let pattern = Regex::new(&format!(
            "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
            img.name
        ))
        .map_err(|e| {
            crate::kustomize::error::Error::msg(format!("images: invalid name {:?}: {e}", img.name))
        })?;
        let update = |s: &mut String| {
            if pattern.is_match(s) {
                *s = updated(s, img);
            }
        };
        for r in resources.iter_mut() {
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            walk_containers(&mut r.obj, &update);
            let gvk = r.gvk();
            for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
                apply(&mut r.obj, &split_path(&fs.path), None, &mut |n| {
                    if let Value::String(s) = n {
                        update(s);
                    }
                    Ok(())
                })
                .map_err(crate::kustomize::error::Error::Msg)?;
            }
        }
    }
    Ok(())
}

/// Every `containers` and `initContainers` list anywhere in the object.
fn walk_containers(v: &mut Value, update: &dyn Fn(&mut String)) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                walk_containers(x, update);
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = x
                {
                    for it in items {
                        if let Some(Value::String(s)) = it.get_mut("image") {
                            update(s);
                        }
                    }
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk_containers(x, update)),
        _ => {}
    }
}

/// Splits `[host[:port]/]path[:tag][@digest]` into its parts.
pub fn split(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let id = search.find('@');
    let ic = search.find(':');
    match (ic, id) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (ic, Some(d)) if ic.is_none() || d < ic.unwrap_or(usize::MAX) => {
            let d = d + slash;
            (
                image[..d].to_string(),
                String::new(),
                image[d + 1..].to_string(),
            )
        }
        (Some(c), Some(d)) => {
            let (c, d) = (c + slash, d + slash);
            (
                image[..c].to_string(),
                image[c + 1..d].to_string(),
                image[d + 1..].to_string(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_string(),
                image[c + 1..].to_string(),
                String::new(),
            )
        }
        (None, Some(_)) => unreachable!("handled above"),
    }
}

fn updated(value: &str, img: &Image) -> String {
    let (mut name, mut tag, mut digest) = split(value);
    if let Some(n) = img.new_name.as_deref().filter(|n| !n.is_empty()) {
        name = n.to_string();
    }
    let new_tag = img.new_tag.as_deref().unwrap_or("");
    let new_digest = img.digest.as_deref().unwrap_or("");
    let suffix = img.tag_suffix.as_deref().unwrap_or("");
    if !new_tag.is_empty() && !new_digest.is_empty() {
        tag = new_tag.into();
        digest = new_digest.into();
    } else if !new_tag.is_empty() {
        tag = new_tag.into();
        digest.clear();
    } else if !new_digest.is_empty() {
        tag.clear();
        digest = new_digest.into();
    } else if !suffix.is_empty() {
        tag.push_str(suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_ports_and_digests() {
        assert_eq!(split("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(
            split("reg:5000/app:1.2"),
            ("reg:5000/app".into(), "1.2".into(), "".into())
        );
        assert_eq!(
            split("app@sha256:ab"),
            ("app".into(), "".into(), "sha256:ab".into())
        );
        assert_eq!(
            split("app:1@sha256:ab"),
            ("app".into(), "1".into(), "sha256:ab".into())
        );
    }

    #[test]
    fn new_tag_drops_digest() {
        let img = Image {
            name: "app".into(),
            new_tag: Some("2".into()),
            ..Default::default()
        };
        assert_eq!(updated("app:1@sha256:ab", &img), "app:2");
    }
}
