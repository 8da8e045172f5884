//! What the simulated editor's `refresh` does, as Unity's `AssetDatabase.Refresh` does it: a
//! script compilation follows only when a script of the project changed since the last one;
//! in play mode, with "Script Changes While Playing" set to wait for play mode to stop, the
//! changes wait and the reply says so (doc/protocol.md, `refresh`). A spec drives it with
//! `sim.refresh {defer_in_play?, old_peer?, compile_ms?, reload_ms?}`, which answers
//! `{refreshes}`: how many `refresh` commands arrived so far.

use crate::files::files_with;
use rmpv::Value;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

/// Why a refresh during play mode compiles nothing, in words for the user.
pub const DEFERRED_REASON: &str = "Unity compiles script changes when play mode stops \
     (Preferences > General > Script Changes While Playing)";

/// The files whose change makes Unity compile scripts.
const SCRIPT_EXTENSIONS: &[&str] = &["cs", "asmdef", "asmref"];

/// What a `refresh` leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Scripts changed: a compilation starts now.
    Compile,
    /// Scripts changed during play mode and the preference keeps them for later.
    Deferred,
    /// Nothing to compile.
    Nothing,
}

/// The refresh model and the knobs a spec turns.
pub struct Refresh {
    /// The scripts as the last compilation saw them.
    compiled: u64,
    /// Script changes wait while playing ("Recompile After Finished Playing").
    pub defer_in_play: bool,
    /// Answer as a package older than the `refresh` result did: `result = nil`.
    pub old_peer: bool,
    /// How long a compilation takes; None: 400-800 ms at random.
    pub compile_ms: Option<u64>,
    /// How long the domain reload after a good compilation takes.
    pub reload_ms: u64,
    /// `refresh` commands received.
    pub count: u64,
}

impl Refresh {
    /// The scripts as they are now count as compiled (the editor starts with them built).
    pub fn new(project: &Path) -> Self {
        Self {
            compiled: fingerprint(project),
            defer_in_play: false,
            old_peer: false,
            compile_ms: None,
            reload_ms: 500,
            count: 0,
        }
    }

    /// A `refresh` arrived: what follows it. The caller starts the compilation on `Compile`.
    pub fn decide(&mut self, project: &Path, playing: bool, compiling: bool) -> Outcome {
        self.count += 1;
        if compiling || fingerprint(project) == self.compiled {
            Outcome::Nothing
        } else if playing && self.defer_in_play {
            Outcome::Deferred
        } else {
            Outcome::Compile
        }
    }

    /// A compilation starts: it sees the scripts as they are now.
    pub fn compiling(&mut self, project: &Path) {
        self.compiled = fingerprint(project);
    }

    /// The reply's result for `outcome` (`compiling` is also true while an earlier
    /// compilation still runs: its messages follow all the same).
    pub fn result(&self, outcome: Outcome, compiling: bool) -> Option<Value> {
        if self.old_peer {
            return None;
        }
        let mut map = vec![
            (
                "compiling".into(),
                (outcome == Outcome::Compile || compiling).into(),
            ),
            ("deferred".into(), (outcome == Outcome::Deferred).into()),
        ];
        if outcome == Outcome::Deferred {
            map.push(("reason".into(), DEFERRED_REASON.into()));
        }
        Some(Value::Map(map))
    }

    /// `sim.refresh`: sets the knobs given (a map), answers `{refreshes}`.
    pub fn configure(&mut self, args: Option<&Value>) -> Value {
        let get = |key: &str| {
            args.and_then(Value::as_map)
                .and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some(key)))
                .map(|(_, v)| v)
        };
        if let Some(v) = get("defer_in_play").and_then(Value::as_bool) {
            self.defer_in_play = v;
        }
        if let Some(v) = get("old_peer").and_then(Value::as_bool) {
            self.old_peer = v;
        }
        if let Some(v) = get("compile_ms").and_then(Value::as_u64) {
            self.compile_ms = Some(v);
        }
        if let Some(v) = get("reload_ms").and_then(Value::as_u64) {
            self.reload_ms = v;
        }
        Value::Map(vec![("refreshes".into(), self.count.into())])
    }
}

/// A hash of every script's path and text under Assets/ and Packages/.
fn fingerprint(project: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    for top in ["Assets", "Packages"] {
        for path in files_with(&project.join(top), SCRIPT_EXTENSIONS) {
            path.hash(&mut hasher);
            std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
        }
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "unity-sim-refresh-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("Assets")).unwrap();
        std::fs::write(dir.join("Assets/A.cs"), "class A {}").unwrap();
        dir
    }

    #[test]
    fn compiles_only_when_a_script_changed() {
        let dir = project();
        let mut r = Refresh::new(&dir);
        assert_eq!(r.decide(&dir, false, false), Outcome::Nothing);
        std::fs::write(dir.join("Assets/readme.txt"), "not a script").unwrap();
        assert_eq!(r.decide(&dir, false, false), Outcome::Nothing);
        std::fs::write(dir.join("Assets/A.cs"), "class A { int x; }").unwrap();
        assert_eq!(r.decide(&dir, false, false), Outcome::Compile);
        r.compiling(&dir);
        assert_eq!(r.decide(&dir, false, false), Outcome::Nothing);
        assert_eq!(r.count, 4);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn play_mode_defers_when_the_preference_says_so() {
        let dir = project();
        let mut r = Refresh::new(&dir);
        std::fs::write(dir.join("Assets/B.cs"), "class B {}").unwrap();
        assert_eq!(r.decide(&dir, true, false), Outcome::Compile);
        r.configure(Some(&Value::Map(vec![(
            "defer_in_play".into(),
            true.into(),
        )])));
        assert_eq!(r.decide(&dir, true, false), Outcome::Deferred);
        let result = r.result(Outcome::Deferred, false).unwrap();
        let map = result.as_map().unwrap();
        assert!(map
            .iter()
            .any(|(k, v)| k.as_str() == Some("deferred") && v.as_bool() == Some(true)));
        assert!(map.iter().any(|(k, _)| k.as_str() == Some("reason")));
        r.configure(Some(&Value::Map(vec![("old_peer".into(), true.into())])));
        assert_eq!(r.result(Outcome::Deferred, false), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
