//! Source locations in one line of Unity's text: stack frames `(at Assets/X.cs:12)`, compiler
//! messages `Assets/X.cs(12,5): error CS...`, and .NET frames ` in /abs/path/X.cs:12`. The one
//! parser of them: the log window's jumps (through `unity_native.locations`) and the runtime
//! exception sites (`sites`) both use it. Paths are returned as written; whether the file
//! exists is the caller's question.

/// A location named in a line: its path as written, its line and column (1-based; 1 when the
/// text gives no column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location<'a> {
    pub path: &'a str,
    pub line: u32,
    pub col: u32,
}

/// Every location in `s`, in this order: Unity frames, a compiler message, .NET frames.
pub fn locations(s: &str) -> Vec<Location<'_>> {
    let mut out = Vec::new();
    let mut keep = |l| {
        out.push(l);
        false
    };
    unity_frames(s, &mut keep);
    if let Some(l) = compiler_message(s) {
        keep(l);
    }
    dotnet_frames(s, &mut keep);
    out
}

/// The first location of a stack frame (Unity's or .NET's) in `stack` whose path `wanted`
/// accepts, line by line.
pub fn first_frame<'a>(stack: &'a str, wanted: impl Fn(&str) -> bool) -> Option<Location<'a>> {
    let mut found = None;
    let mut take = |l: Location<'a>| {
        let hit = wanted(l.path);
        if hit {
            found = Some(l);
        }
        hit
    };
    for line in stack.lines() {
        if unity_frames(line, &mut take) || dotnet_frames(line, &mut take) {
            break;
        }
    }
    found
}

fn number(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// ` (at path:line)`: the path runs to the LAST ':' (Windows drive letters); `<hash>:0` means
/// the frame has no symbols. Each is given to `found`, until it returns true (then: true).
fn unity_frames<'a>(s: &'a str, found: &mut impl FnMut(Location<'a>) -> bool) -> bool {
    let mut rest = s;
    while let Some(start) = rest.find("(at ") {
        let inner = &rest[start + 4..];
        let Some(end) = inner.find(')') else {
            return false;
        };
        let (frame, after) = (&inner[..end], &inner[end + 1..]);
        if let Some((path, line)) = frame.rsplit_once(':') {
            if let Some(line) = number(line).filter(|_| !path.starts_with('<')) {
                if found(Location { path, line, col: 1 }) {
                    return true;
                }
            }
        }
        rest = after;
    }
    false
}

/// `path(line,col): error|warning|info ...` at the start of the line; the path is what comes
/// before the first such `(line,col):` and must not be empty.
fn compiler_message(s: &str) -> Option<Location<'_>> {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let mut from = 0;
    while let Some(open) = s[from..].find('(').map(|i| from + i) {
        if let Some((line, col)) = position_then_kind(&s[open + 1..]) {
            return (open > 0).then_some(Location {
                path: &s[..open],
                line,
                col,
            });
        }
        from = open + 1;
    }
    None
}

/// `line,col)` then optional blanks, ':', optional blanks and a letter.
fn position_then_kind(s: &str) -> Option<(u32, u32)> {
    let (line, rest) = s.split_once(',')?;
    let (col, rest) = rest.split_once(')')?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let rest = rest.strip_prefix(':')?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    rest.starts_with(|c: char| c.is_ascii_alphabetic())
        .then(|| Some((number(line)?, number(col)?)))
        .flatten()
}

/// ` in path.ext:line`: the path is the shortest that ends in a `.letters` extension followed
/// by `:digits`. Each is given to `found`, until it returns true (then: true).
fn dotnet_frames<'a>(s: &'a str, found: &mut impl FnMut(Location<'a>) -> bool) -> bool {
    let mut rest = s;
    'frames: while let Some(start) = rest.find(" in ") {
        let text = &rest[start + 4..];
        let b = text.as_bytes();
        for (dot, _) in text.match_indices('.') {
            let letters = b[dot + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            let colon = dot + 1 + letters;
            if letters == 0 || b.get(colon) != Some(&b':') {
                continue;
            }
            let digits = b[colon + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if let Some(line) = number(&text[colon + 1..colon + 1 + digits]) {
                let l = Location {
                    path: &text[..colon],
                    line,
                    col: 1,
                };
                if found(l) {
                    return true;
                }
                rest = &text[colon + 1 + digits..];
                continue 'frames;
            }
        }
        rest = text;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(s: &str) -> Vec<(&str, u32, u32)> {
        locations(s)
            .into_iter()
            .map(|l| (l.path, l.line, l.col))
            .collect()
    }

    #[test]
    fn unity_frames_run_to_the_last_colon_and_skip_frames_without_symbols() {
        assert_eq!(
            found("Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)"),
            [("Assets/Scripts/Enemy.cs", 42, 1)]
        );
        assert_eq!(
            found("X:Y () (at C:/Proj/Assets/A.cs:7) then (at ./Assets/B.cs:8)"),
            [("C:/Proj/Assets/A.cs", 7, 1), ("./Assets/B.cs", 8, 1)]
        );
        assert!(found("UnityEngine.Internal.Loop:Tick () (at <a1b2c3d4e5f6>:0)").is_empty());
        assert!(found("(at Assets/A.cs:x)").is_empty());
        assert!(found("(at Assets/A.cs:12").is_empty(), "unclosed");
    }

    #[test]
    fn compiler_messages_take_the_first_position_followed_by_a_kind() {
        assert_eq!(
            found("Assets/Scripts/Player.cs(12,5): error CS0103: The name 'x' does not exist"),
            [("Assets/Scripts/Player.cs", 12, 5)]
        );
        assert_eq!(
            found("  Assets/My (1) Dir/A.cs(3,4) :  warning CS0168"),
            [("Assets/My (1) Dir/A.cs", 3, 4)]
        );
        assert!(found("(3,4): error with no path").is_empty());
        assert!(
            found("Assets/A.cs(3,4): 12").is_empty(),
            "a letter must follow"
        );
    }

    #[test]
    fn dotnet_frames_end_at_an_extension_and_a_line() {
        assert_eq!(
            found("  at Game.Enemy.Update () [0x00001] in /home/me/Game/Assets/Enemy.cs:42 "),
            [("/home/me/Game/Assets/Enemy.cs", 42, 1)]
        );
        assert_eq!(
            found(" in /a b/x.y/File.cs:3 and in /c/D.cs:4"),
            [("/a b/x.y/File.cs", 3, 1), ("/c/D.cs", 4, 1)]
        );
        assert!(found(" in <filename unknown>:0").is_empty());
    }

    #[test]
    fn the_first_wanted_frame_of_a_stack() {
        let stack = "UnityEngine.Debug:LogError (object)\n\
                     Lib.Thing:Do () (at Library/PackageCache/com.x@1/T.cs:3)\n\
                     Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)\n\
                     Game.Loop:Tick () (at Assets/Scripts/Loop.cs:9)";
        let l = first_frame(stack, |p| p.starts_with("Assets/")).unwrap();
        assert_eq!((l.path, l.line), ("Assets/Scripts/Enemy.cs", 42));
        assert!(first_frame(stack, |p| p.starts_with("Packages/")).is_none());
    }
}
