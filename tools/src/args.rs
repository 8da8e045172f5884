//! A subcommand's command line: `--name value` options, each value read as the type the
//! subcommand asks for. A mistake prints what is wrong and the usage, and
//! exits with status 2.

use std::fmt::Display;
use std::str::FromStr;

/// What a tool accepts.
pub struct Spec {
    pub tool: &'static str,
    /// The usage line(s), without the leading `usage: `.
    pub usage: &'static str,
    /// The options, `--name` each; every one takes a value.
    pub options: &'static [&'static str],
}

impl Spec {
    /// Says what is wrong and how the tool is used, and exits with status 2.
    pub fn fail(&self, msg: &str) -> ! {
        eprintln!("{}: {msg}\nusage: {}", self.tool, self.usage);
        std::process::exit(2);
    }

    /// `argv` (what follows the subcommand), or [`Spec::fail`].
    pub fn parse(&'static self, argv: impl IntoIterator<Item = String>) -> Args {
        Args::parse(self, argv).unwrap_or_else(|e| self.fail(&e))
    }
}

/// A parsed command line.
pub struct Args {
    spec: &'static Spec,
    /// In the order given; the last of a repeated option counts.
    options: Vec<(String, String)>,
}

impl Args {
    pub fn parse(
        spec: &'static Spec,
        argv: impl IntoIterator<Item = String>,
    ) -> Result<Self, String> {
        let mut argv = argv.into_iter();
        let mut options = Vec::new();
        while let Some(a) = argv.next() {
            if spec.options.contains(&a.as_str()) {
                let value = argv.next().ok_or_else(|| format!("{a} needs a value"))?;
                options.push((a, value));
            } else {
                return Err(format!("unknown argument {a}"));
            }
        }
        Ok(Self { spec, options })
    }

    /// The value of `name` as a `T`; `None` when not given.
    pub fn try_get<T: FromStr>(&self, name: &str) -> Result<Option<T>, String>
    where
        T::Err: Display,
    {
        match self.options.iter().rev().find(|(k, _)| k == name) {
            None => Ok(None),
            Some((_, v)) => v.parse().map(Some).map_err(|e| format!("{name} {v}: {e}")),
        }
    }

    /// The value of `name` as a `T`, or [`Spec::fail`] when it does not read as one.
    pub fn get<T: FromStr>(&self, name: &str) -> Option<T>
    where
        T::Err: Display,
    {
        self.try_get(name).unwrap_or_else(|e| self.fail(&e))
    }

    /// The value of `name` as a `T`, `default` when not given.
    pub fn get_or<T: FromStr>(&self, name: &str, default: T) -> T
    where
        T::Err: Display,
    {
        self.get(name).unwrap_or(default)
    }

    /// See [`Spec::fail`].
    pub fn fail(&self, msg: &str) -> ! {
        self.spec.fail(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    static PEER: Spec = Spec {
        tool: "t",
        usage: "t [--count N] [--project DIR]",
        options: &["--count", "--project"],
    };

    fn parse(argv: &[&str]) -> Result<Args, String> {
        Args::parse(&PEER, argv.iter().map(|s| s.to_string()))
    }

    #[test]
    fn reads_typed_options() {
        let a = parse(&["--count", "5", "--project", "/p", "--count", "7"]).unwrap();
        assert_eq!(
            a.try_get::<usize>("--count"),
            Ok(Some(7)),
            "the last one counts"
        );
        assert_eq!(a.get::<PathBuf>("--project"), Some(PathBuf::from("/p")));
        let b = parse(&[]).unwrap();
        assert_eq!(b.get_or("--count", 3usize), 3);
        assert_eq!(b.get::<PathBuf>("--project"), None);
    }

    #[test]
    fn says_what_is_wrong() {
        let err = |argv: &[&str]| parse(argv).err().unwrap();
        assert_eq!(err(&["--count"]), "--count needs a value");
        assert_eq!(err(&["--rate", "1"]), "unknown argument --rate");
        assert_eq!(err(&["extra"]), "unknown argument extra");
        let a = parse(&["--count", "many"]).unwrap();
        let bad = a.try_get::<usize>("--count").unwrap_err();
        assert!(bad.starts_with("--count many: "), "{bad}");
    }
}
