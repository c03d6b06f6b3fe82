//! YAML stage: scalar resolution as Go's yaml.v3 (reading) and yaml.v2 (writing) do it.
//! Pure functions over text; must not allocate documents or know about Kubernetes.

/// What a plain scalar reads as.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A YAML timestamp, unquoted.
    Timestamp,
    /// A string.
    Str,
}

/// Which YAML generation's resolver to apply: v3 reads (YAML 1.2 booleans),
/// v2 writes (YAML 1.1 booleans such as `yes` and `on`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    V2,
    V3,
}

fn lookup(s: &str, dialect: Dialect) -> Option<Scalar> {
    let v = match s {
        "true" | "True" | "TRUE" => Scalar::Bool(true),
        "false" | "False" | "FALSE" => Scalar::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        _ if dialect == Dialect::V2 => match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Scalar::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Scalar::Bool(false),
            _ => return None,
        },
        _ => return None,
    };
    Some(v)
}

/// Resolves an untagged plain scalar the way go-yaml does.
pub fn resolve_plain(s: &str, dialect: Dialect) -> Scalar {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        _ => return Scalar::Str,
    };
    if let Some(v) = lookup(s, dialect) {
        return v;
    }
    match hint {
        b'.' => match go_parse_float(s) {
            Some(f) => Scalar::Float(f),
            None => Scalar::Str,
        },
        b'D' | b'S' => {
            if is_timestamp(s) {
                return Scalar::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                if let Ok(v) = i64::try_from(i) {
                    return Scalar::Int(v);
                }
                if let Ok(v) = u64::try_from(i) {
                    return Scalar::Uint(v);
                }
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return Scalar::Float(f);
            }
            let (neg, rest) = match plain.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, plain.as_str()),
            };
            let radix = if let Some(b) = rest.strip_prefix("0b") {
                Some((b, 2))
            } else if dialect == Dialect::V3 {
                rest.strip_prefix("0o").map(|o| (o, 8))
            } else {
                None
            };
            if let Some((digits, radix)) = radix
                && let Ok(v) = u128::from_str_radix(digits, radix)
            {
                let v = v as i128 * if neg { -1 } else { 1 };
                if let Ok(v) = i64::try_from(v) {
                    return Scalar::Int(v);
                }
                if let Ok(v) = u64::try_from(v) {
                    return Scalar::Uint(v);
                }
            }
            Scalar::Str
        }
        _ => Scalar::Str,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` widened: base prefixes and the legacy leading-zero octal.
/// Returns None on syntax errors and on values outside u64/i64.
pub fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let b = body.as_bytes();
    let (digits, radix) = if b[0] == b'0' {
        if b.len() >= 3 && (b[1] | 0x20) == b'b' {
            (&body[2..], 2)
        } else if b.len() >= 3 && (b[1] | 0x20) == b'o' {
            (&body[2..], 8)
        } else if b.len() >= 3 && (b[1] | 0x20) == b'x' {
            (&body[2..], 16)
        } else {
            (&body[1..], 8)
        }
    } else {
        (body, 10)
    };
    let mut n: u128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        n = n * radix as u128 + d as u128;
        if n > u64::MAX as u128 {
            return None;
        }
    }
    let v = if neg { -(n as i128) } else { n as i128 };
    if neg && v < i64::MIN as i128 {
        return None;
    }
    Some(v)
}

/// Go's `strconv.ParseFloat` for decimal text; out-of-range values are errors there.
pub fn go_parse_float(s: &str) -> Option<f64> {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.is_empty() || t.starts_with(['+', '-']) && t.len() == 1 {
        return None;
    }
    let body = t.strip_prefix('-').unwrap_or(t);
    if !body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f: f64 = t.parse().ok()?;
    f.is_finite().then_some(f)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Base-60 floats (YAML 1.1) are quoted on output for compatibility.
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !(b[0] == b'+' || b[0] == b'-' || b[0].is_ascii_digit()) || !s.contains(':')
    {
        return false;
    }
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let mut i = 0;
    if b[0] == b'+' || b[0] == b'-' {
        i = 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        let g = &b[st..i];
        let ok = match g.len() {
            1 => true,
            2 => g[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Go's `time.Time` JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed) of a
/// timestamp that `is_timestamp` accepted.
pub fn timestamp_rfc3339(s: &str) -> String {
    let b = s.as_bytes();
    let mut nums: Vec<String> = Vec::new();
    let mut i = 0;
    let mut frac = String::new();
    let mut zone = String::from("Z");
    while i < b.len() && nums.len() < 6 {
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        nums.push(s[st..i].to_string());
        if nums.len() == 3 && i == b.len() {
            break;
        }
        i += 1;
    }
    if i < b.len() && nums.len() == 6 {
        // i sits one past the seconds; step back to read what follows them.
        i -= 1;
        if b[i] == b'.' || b[i] == b',' {
            i += 1;
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac = s[st..i].trim_end_matches('0').to_string();
        }
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') && &s[i + 1..] != "00:00" {
            zone = s[i..].to_string();
        }
    }
    let n = |k: usize| nums.get(k).and_then(|x| x.parse::<u32>().ok()).unwrap_or(0);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        n(0),
        n(1),
        n(2),
        n(3),
        n(4),
        n(5)
    );
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac[..frac.len().min(9)]);
    }
    out.push_str(&zone);
    out
}

/// go-yaml's timestamp formats: `2006-1-2`, `2006-1-2 15:4:5.999999999`,
/// `2006-1-2T15:4:5.999999999Z07:00` (and lower-case `t`), with Go's range checks.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max_len: usize| -> Option<u32> {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - st < max_len {
            *i += 1;
        }
        if *i == st {
            return None;
        }
        std::str::from_utf8(&b[st..*i]).ok()?.parse().ok()
    };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let Some(month) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let Some(h) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(m) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(sec) = num(&mut i, 2) else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if i < b.len() && (b[i] == b'.' || b[i] == b',') && i + 1 < b.len() && b[i + 1].is_ascii_digit()
    {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    if i < b.len() && b[i] == b'Z' {
        return i + 1 == b.len();
    }
    if i + 6 == b.len() && (b[i] == b'+' || b[i] == b'-') && b[i + 3] == b':' {
        return b[i + 1..i + 3].iter().all(u8::is_ascii_digit)
            && b[i + 4..i + 6].iter().all(u8::is_ascii_digit);
    }
    false
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_reads_yaml_1_2_booleans_only() {
        assert_eq!(resolve_plain("yes", Dialect::V3), Scalar::Str);
        assert_eq!(resolve_plain("yes", Dialect::V2), Scalar::Bool(true));
        assert_eq!(resolve_plain("True", Dialect::V3), Scalar::Bool(true));
    }

    #[test]
    fn numbers_follow_go_parse_rules() {
        assert_eq!(resolve_plain("0123", Dialect::V3), Scalar::Int(83));
        assert_eq!(resolve_plain("089", Dialect::V3), Scalar::Float(89.0));
        assert_eq!(resolve_plain("0x1F", Dialect::V3), Scalar::Int(31));
        assert_eq!(resolve_plain("1_000", Dialect::V3), Scalar::Int(1000));
        assert_eq!(resolve_plain("0o17", Dialect::V3), Scalar::Int(15));
        assert_eq!(resolve_plain("0o17", Dialect::V2), Scalar::Int(15));
        assert_eq!(resolve_plain("1e3", Dialect::V3), Scalar::Float(1000.0));
        assert_eq!(resolve_plain(".5", Dialect::V3), Scalar::Float(0.5));
        assert_eq!(
            resolve_plain("18446744073709551615", Dialect::V3),
            Scalar::Uint(u64::MAX)
        );
        assert_eq!(resolve_plain("1.2.3", Dialect::V3), Scalar::Str);
        assert_eq!(resolve_plain("-", Dialect::V3), Scalar::Str);
    }

    #[test]
    fn timestamps_and_base60() {
        assert!(is_timestamp("2024-02-29"));
        assert!(!is_timestamp("2023-02-29"));
        assert!(is_timestamp("2001-12-14t21:59:43.10Z"));
        assert!(is_timestamp("2001-12-14 21:59:43.10"));
        assert!(!is_timestamp("2001-12-14 21:59:43.10 -5"));
        assert_eq!(timestamp_rfc3339("2024-01-01"), "2024-01-01T00:00:00Z");
        assert_eq!(
            timestamp_rfc3339("2001-12-14t21:59:43.10-05:00"),
            "2001-12-14T21:59:43.1-05:00"
        );
        assert_eq!(
            timestamp_rfc3339("2024-1-2 3:04:05"),
            "2024-01-02T03:04:05Z"
        );
        assert!(is_base60_float("1:20"));
        assert!(!is_base60_float("1:70"));
        assert!(!is_base60_float("a:1"));
    }
}
