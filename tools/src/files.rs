//! The files of a project folder, as the peer reads its scripts for its `#error` compile.

use std::path::{Path, PathBuf};

/// Every file below `dir` (recursively) whose extension is one of `extensions`, in sorted
/// order so that what is made from them does not depend on the file system's order. A folder
/// that cannot be read counts as empty.
pub fn files_with(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, extensions, &mut out);
    out
}

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, extensions, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_recursive_and_filtered() {
        let dir = std::env::temp_dir().join(format!("unity-nvim-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("b/c")).unwrap();
        for f in ["b/c/z.cs", "a.cs", "b/x.asmdef", "b/y.png"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let got: Vec<_> = files_with(&dir, &["cs", "asmdef"])
            .into_iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(got, ["a.cs", "b/c/z.cs", "b/x.asmdef"]);
    }
}
