//! From a profile file to one TOML table: its `packages` merged in (recursively, relative to the
//! including file, without cycles, at most [`MAX_DEPTH`] deep) and its `${substitutions}`
//! applied. Typed parsing comes after, on the result.
//!
//! Merging: tables merge key by key, recursively; any other value (arrays included) is replaced
//! by the one of the including file, and of a later package over an earlier one.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::error::{Problem, ProfileError};

/// How deep packages may include packages. A family base including a common base is two.
pub const MAX_DEPTH: usize = 8;

/// Reads the profile at `path` and resolves it.
pub fn resolve_file(path: &Path) -> Result<Table, ProfileError> {
    resolve_str(&read(path)?, path)
}

/// Resolves profile text that comes from `origin` (which names it in messages and whose folder
/// its packages are relative to).
pub fn resolve_str(text: &str, origin: &Path) -> Result<Table, ProfileError> {
    let merged = merge_tree(text, origin, &mut Vec::new())?;
    substitute(merged, origin)
}

fn read(path: &Path) -> Result<String, ProfileError> {
    std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The file's table with its packages merged under it. `stack` holds the files including it.
fn merge_tree(text: &str, path: &Path, stack: &mut Vec<PathBuf>) -> Result<Table, ProfileError> {
    let me = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    if let Some(first) = stack.iter().position(|p| p == &me) {
        let chain = stack[first..]
            .iter()
            .chain([&me])
            .map(|p| file_name(p))
            .collect::<Vec<_>>()
            .join(" → ");
        return Err(ProfileError::Cycle {
            path: path.to_owned(),
            chain,
        });
    }
    if stack.len() > MAX_DEPTH {
        return Err(ProfileError::TooDeep {
            path: path.to_owned(),
            max: MAX_DEPTH,
        });
    }
    let mut table: Table = toml::from_str(text).map_err(|e| ProfileError::Toml {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let packages = take_packages(&mut table, path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    stack.push(me);
    let mut merged = Table::new();
    for (i, package) in packages.iter().enumerate() {
        let relative = Path::new(package);
        if relative.is_absolute() {
            return Err(ProfileError::at(
                path,
                format!("packages[{i}]"),
                format!("{package:?}: a package's path is relative to the file including it"),
                format!("{package:?}：共享包路径须相对于引用它的文件"),
            ));
        }
        let child = dir.join(relative);
        let base = merge_tree(&read(&child)?, &child, stack)?;
        merge(&mut merged, base);
    }
    stack.pop();
    merge(&mut merged, table);
    Ok(merged)
}

/// Removes and returns the file's `packages` list.
fn take_packages(table: &mut Table, path: &Path) -> Result<Vec<String>, ProfileError> {
    let not_a_list = || {
        ProfileError::at(
            path,
            "packages",
            "must be a list of file paths, e.g. [\"packages/kiosk-base.toml\"]",
            "须为文件路径列表，例如 [\"packages/kiosk-base.toml\"]",
        )
    };
    match table.remove("packages") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(not_a_list()),
            })
            .collect(),
        Some(_) => Err(not_a_list()),
    }
}

/// Merges `over` into `base`: tables key by key, everything else replaced.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
}

/// Takes the merged `substitutions` out and applies them to every string of the table.
fn substitute(mut table: Table, origin: &Path) -> Result<Table, ProfileError> {
    let subs = match table.remove("substitutions") {
        None => Table::new(),
        Some(Value::Table(t)) => t,
        Some(_) => {
            return Err(ProfileError::at(
                origin,
                "substitutions",
                "must be a table of name = value",
                "须为 名称 = 值 的表",
            ));
        }
    };
    let mut problems = Vec::new();
    for (name, value) in &subs {
        let key = format!("substitutions.{name}");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            problems.push(Problem::new(
                &key,
                "a substitution's name has only letters, digits and _",
                "替换变量名只能包含字母、数字和下划线",
            ));
        }
        if !matches!(
            value,
            Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Boolean(_)
        ) {
            problems.push(Problem::new(
                &key,
                "a substitution is a string, a number or a boolean",
                "替换变量的值须为字符串、数字或布尔值",
            ));
        }
    }
    if problems.is_empty() {
        for (key, value) in &mut table {
            apply(value, &subs, key, &mut problems);
        }
    }
    if problems.is_empty() {
        Ok(table)
    } else {
        Err(ProfileError::Invalid {
            path: origin.to_owned(),
            problems,
        })
    }
}

/// Applies the substitutions inside `value`, found at `key`.
fn apply(value: &mut Value, subs: &Table, key: &str, problems: &mut Vec<Problem>) {
    match value {
        Value::String(s) => match substitute_str(s, subs) {
            Ok(Some(new)) => *value = new,
            Ok(None) => {}
            Err(p) => problems.push(Problem::new(key, p.0, p.1)),
        },
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                apply(item, subs, &format!("{key}[{i}]"), problems);
            }
        }
        Value::Table(t) => {
            for (k, item) in t.iter_mut() {
                apply(item, subs, &format!("{key}.{k}"), problems);
            }
        }
        _ => {}
    }
}

/// `s` with its `${name}`s replaced; `None` if it has none. A string that is exactly one
/// `${name}` takes the substitution's value with its type (`width_mm = "${width}"` with
/// `width = 80` gives the integer 80); inside a longer string the value is written as text.
fn substitute_str(s: &str, subs: &Table) -> Result<Option<Value>, (String, String)> {
    if !s.contains("${") {
        return Ok(None);
    }
    let lookup = |name: &str| {
        subs.get(name).ok_or_else(|| {
            (
                format!("unknown substitution ${{{name}}}: define it under [substitutions]"),
                format!("未定义的替换变量 ${{{name}}}：请在 [substitutions] 中定义"),
            )
        })
    };
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && !name.contains(['{', '}', '$'])
    {
        return lookup(name).map(|v| Some(v.clone()));
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find('}').ok_or_else(|| {
            (
                "`${` without its closing `}`".to_string(),
                "`${` 缺少对应的 `}`".to_string(),
            )
        })?;
        match lookup(&after[..end])? {
            Value::String(v) => out.push_str(v),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Some(Value::String(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs() -> Table {
        toml::from_str("width = 80\nmodel = \"QK-2180\"\nlandscape = false\n").unwrap()
    }

    #[test]
    fn a_whole_reference_keeps_its_type_and_a_partial_one_becomes_text() {
        assert_eq!(
            substitute_str("${width}", &subs()).unwrap(),
            Some(Value::Integer(80))
        );
        assert_eq!(
            substitute_str("${model} (${width} mm)", &subs()).unwrap(),
            Some(Value::String("QK-2180 (80 mm)".into()))
        );
        assert_eq!(substitute_str("plain", &subs()).unwrap(), None);
        assert!(substitute_str("${nope}", &subs()).is_err());
        assert!(substitute_str("x ${width", &subs()).is_err());
    }

    #[test]
    fn tables_merge_and_other_values_are_replaced() {
        let mut base: Table =
            toml::from_str("a = [1, 2]\n[t]\nx = 1\ny = 2\n[t.u]\nz = 3\n").unwrap();
        let over: Table = toml::from_str("a = [3]\n[t]\ny = 5\n[t.u]\nw = 4\n").unwrap();
        merge(&mut base, over);
        let want: Table =
            toml::from_str("a = [3]\n[t]\nx = 1\ny = 5\n[t.u]\nz = 3\nw = 4\n").unwrap();
        assert_eq!(base, want);
    }
}
