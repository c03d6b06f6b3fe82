//! Diff stage, pure: when two scalars a user and the API server wrote differently are the
//! same value. Kubernetes quantities (`1000m` = `1`, `1Gi` = `1024Mi`), Go durations
//! (`1h` = `60m0s`) and JSON numbers (`1` = `1.0`). Must not decide which fields these
//! rules apply to (the comparer does, by field).

use crate::yaml::Value;

/// A quantity's value, as an exact decimal mantissa times powers of ten and two.
fn quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let split = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let unsigned = num.strip_prefix(['+', '-']).unwrap_or(num);
    if unsigned.is_empty()
        || unsigned.starts_with('.') && unsigned.len() == 1
        || unsigned.contains(['+', '-'])
        || unsigned.matches('.').count() > 1
    {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().ok()?;
            10f64.powi(exp)
        }
        _ => return None,
    };
    Some(n * factor)
}

/// A Go duration (`time.ParseDuration`): `1h30m`, `90s`, `1.5h`, `300ms`, `0`.
fn duration(s: &str) -> Option<f64> {
    if s == "0" {
        return Some(0.0);
    }
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n_end == 0 {
            return None;
        }
        let n: f64 = rest[..n_end].parse().ok()?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[u_end..];
        total += n * unit;
    }
    Some(if neg { -total } else { total })
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// The kind of value a field holds, as far as comparing goes.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Field {
    /// A resource quantity (`resources.limits.cpu`, a PVC's `storage`).
    Quantity,
    /// A field of a program's own (config data, labels, annotations, env values): compared
    /// as written.
    Opaque,
    /// Anything else: numbers by value, durations by value.
    Plain,
}

/// Whether `desired` and `live` are the same value for a field of this kind.
pub fn same(desired: &Value, live: &Value, field: Field) -> bool {
    if desired == live {
        return true;
    }
    match (desired, live) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => close(a, b),
            _ => false,
        },
        (Value::String(a), Value::String(b)) => match field {
            Field::Quantity => {
                matches!((quantity(a), quantity(b)), (Some(x), Some(y)) if close(x, y))
            }
            Field::Plain => {
                matches!((duration(a), duration(b)), (Some(x), Some(y)) if close(x, y))
            }
            Field::Opaque => false,
        },
        // `cpu: 1` written as a number, stored as the string "1".
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n))
            if field == Field::Quantity =>
        {
            matches!((n.as_f64(), quantity(s)), (Some(x), Some(y)) if close(x, y))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_compare_by_value() {
        let q = |a: Value, b: Value| same(&a, &b, Field::Quantity);
        assert!(q(json!("1000m"), json!("1")));
        assert!(q(json!("1Gi"), json!("1024Mi")));
        assert!(q(json!(1), json!("1")));
        assert!(q(json!("0.5"), json!("500m")));
        assert!(q(json!("1e3"), json!("1k")));
        assert!(!q(json!("1G"), json!("1Gi")));
        assert!(!q(json!("100m"), json!("1")));
        assert!(!q(json!("abc"), json!("abc2")));
    }

    #[test]
    fn durations_and_numbers_compare_by_value_where_plain() {
        assert!(same(&json!("1h"), &json!("1h0m0s"), Field::Plain));
        assert!(same(&json!("90s"), &json!("1m30s"), Field::Plain));
        assert!(same(&json!("1.5h"), &json!("1h30m0s"), Field::Plain));
        assert!(!same(&json!("1h"), &json!("1h1s"), Field::Plain));
        assert!(same(&json!(1), &json!(1.0), Field::Plain));
        assert!(!same(&json!(1), &json!(2), Field::Plain));
        // A program's own data is compared as written.
        assert!(!same(&json!("1h"), &json!("60m"), Field::Opaque));
        assert!(!same(&json!("1000m"), &json!("1"), Field::Plain));
        assert!(!same(&json!("true"), &json!(true), Field::Plain));
    }
}
