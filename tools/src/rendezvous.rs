//! The rendezvous as Unity makes it (doc/protocol.md §1-2): the private folder, its two FIFOs,
//! and `session.json` written last. Neovim only opens what Unity made; the stand-in editors and
//! the tests make it here.

use crate::json::quote;
use nix::sys::stat::Mode;
use std::path::Path;
use unity_native::protocol::PROTOCOL_VERSION;
use unity_native::transport::{write_private, Paths};

/// Creates the rendezvous folder and FIFOs as Unity does: whatever stood there is removed first.
pub fn create_rendezvous(paths: &Paths) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if paths.dir.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(&paths.dir).or_else(|_| std::fs::remove_file(&paths.dir))?;
    }
    std::fs::create_dir_all(paths.dir.parent().unwrap_or(Path::new(".")))?;
    std::fs::DirBuilder::new().mode(0o700).create(&paths.dir)?;
    let fifo = Mode::from_bits_truncate(0o600);
    nix::unistd::mkfifo(&paths.to_nvim, fifo)?;
    nix::unistd::mkfifo(&paths.to_unity, fifo)?;
    Ok(())
}

/// Removes the rendezvous as Unity does when it quits. A Neovim that saw the end of the stream
/// may reopen and write its lock or nudge FIFO into the folder while it goes: the folder is
/// listed again until it is empty (a few rounds; Neovim writes once per reopen).
pub fn remove_rendezvous(paths: &Paths) {
    for _ in 0..5 {
        match std::fs::remove_dir_all(&paths.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => continue,
            _ => return,
        }
    }
}

/// Writes `session.json` as Unity does: last, once the FIFOs exist, because it is the
/// readiness marker.
pub fn write_session(paths: &Paths, unity_version: &str) -> std::io::Result<()> {
    let body = format!(
        "{{\"protocol\":{PROTOCOL_VERSION},\"pid\":{},\"unity\":{},\"project\":{}}}\n",
        std::process::id(),
        quote(unity_version),
        quote(&paths.project.to_string_lossy())
    );
    write_private(&paths.session, body.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn what_it_makes_passes_the_products_checks() {
        let project = std::env::temp_dir().join(format!("unity-nvim-tools-{}", std::process::id()));
        let paths = Paths::new(&project);
        // Whatever stood there goes, a plain file included.
        std::fs::create_dir_all(project.join("Temp")).unwrap();
        std::fs::write(&paths.dir, b"stale").unwrap();
        create_rendezvous(&paths).unwrap();
        unity_native::transport::check_fifos(&paths).unwrap();
        write_session(&paths, "6000.0 \"sim\"").unwrap();
        let session = std::fs::read_to_string(&paths.session).unwrap();
        assert!(session.contains(r#""unity":"6000.0 \"sim\"""#), "{session}");
        assert!(session.starts_with(&format!(
            "{{\"protocol\":{PROTOCOL_VERSION},\"pid\":{},",
            std::process::id()
        )));
        let mode = std::fs::metadata(&paths.session)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&project).unwrap();
    }
}
