//! The product's rendezvous checks and pipe writes (src/transport/unix.rs) against a rendezvous
//! made as Unity makes it: these tests live with the tools because Neovim never creates one.

use nix::sys::stat::Mode;
use nix::unistd::geteuid;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use unity_native::failure::Unsafe;
use unity_native::transport::{
    check_dir, open_fifo, open_reader, open_writer, reader_gone, same_file, write_all, OpenError,
    Paths, WriteError,
};
use unity_native::wake_pipe::Notifier;
use unity_nvim_tools::rendezvous::create_rendezvous;

fn project(name: &str) -> Paths {
    let dir = std::env::temp_dir().join(format!(
        "unity-nvim-transport-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Paths::new(&dir)
}

#[test]
fn missing_then_present() {
    let p = project("missing");
    assert_eq!(open_reader(&p).unwrap_err(), OpenError::Missing);
    create_rendezvous(&p).unwrap();
    let r = open_reader(&p).unwrap();
    assert!(same_file(&p.to_nvim, &r));
    // No reader on the other pipe yet.
    assert_eq!(open_writer(&p).unwrap_err(), OpenError::NoReader);
    // Recreated files are different files.
    create_rendezvous(&p).unwrap();
    assert!(!same_file(&p.to_nvim, &r));
}

fn refused(path: &std::path::Path, why: Unsafe) -> OpenError {
    OpenError::Refused {
        path: path.to_path_buf(),
        why,
    }
}

#[test]
fn refuses_unsafe_rendezvous() {
    let p = project("unsafe");
    create_rendezvous(&p).unwrap();
    std::fs::set_permissions(&p.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        open_reader(&p).unwrap_err(),
        refused(&p.dir, Unsafe::Shared { mode: 0o755 })
    );
    std::fs::set_permissions(&p.dir, std::fs::Permissions::from_mode(0o700)).unwrap();

    std::fs::set_permissions(&p.to_nvim, std::fs::Permissions::from_mode(0o660)).unwrap();
    assert_eq!(
        open_reader(&p).unwrap_err(),
        refused(&p.to_nvim, Unsafe::Shared { mode: 0o660 })
    );

    std::fs::remove_file(&p.to_nvim).unwrap();
    std::fs::write(&p.to_nvim, b"").unwrap();
    std::fs::set_permissions(&p.to_nvim, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        open_reader(&p).unwrap_err(),
        refused(&p.to_nvim, Unsafe::NotFifo)
    );

    std::fs::remove_file(&p.to_nvim).unwrap();
    let elsewhere = p.project.join("elsewhere");
    nix::unistd::mkfifo(&elsewhere, Mode::from_bits_truncate(0o600)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &p.to_nvim).unwrap();
    assert_eq!(
        open_reader(&p).unwrap_err(),
        refused(&p.to_nvim, Unsafe::Symlink)
    );

    // A linked folder is refused too.
    let real = p.project.join("real");
    std::fs::rename(&p.dir, &real).unwrap();
    std::os::unix::fs::symlink(&real, &p.dir).unwrap();
    assert_eq!(
        check_dir(&p.dir).unwrap_err(),
        refused(&p.dir, Unsafe::Symlink)
    );
}

#[test]
fn refuses_a_rendezvous_owned_by_someone_else() {
    // Only root can give a file away; the project's CI and machines run as root.
    if !geteuid().is_root() {
        eprintln!("skipped: giving files to another user needs root");
        return;
    }
    let p = project("owner");
    create_rendezvous(&p).unwrap();
    let nobody = Some(nix::unistd::Uid::from_raw(65534));
    nix::unistd::chown(&p.to_nvim, nobody, None).unwrap();
    let me = geteuid().as_raw();
    let owner = Unsafe::Owner { uid: 65534, me };
    assert_eq!(
        open_reader(&p).unwrap_err(),
        refused(&p.to_nvim, owner.clone())
    );
    nix::unistd::chown(&p.dir, nobody, None).unwrap();
    assert_eq!(check_dir(&p.dir).unwrap_err(), refused(&p.dir, owner));
}

#[test]
fn writer_learns_that_the_reader_left() {
    let p = project("epipe");
    create_rendezvous(&p).unwrap();
    let stop = Notifier::new().unwrap();
    let r = open_fifo(&p, &p.to_unity, false).unwrap();
    let w = open_writer(&p).unwrap();
    assert!(!reader_gone(&w));
    write_all(&w, b"hello", &stop, None).unwrap();
    drop(r);
    assert!(reader_gone(&w));
    assert_eq!(
        write_all(&w, b"x", &stop, None),
        Err(WriteError::ReaderGone)
    );
}

#[test]
fn full_pipe_write_gives_up_at_the_deadline_or_on_stop() {
    let p = project("full");
    create_rendezvous(&p).unwrap();
    let stop = Notifier::new().unwrap();
    let _r = open_fifo(&p, &p.to_unity, false).unwrap();
    let w = open_writer(&p).unwrap();
    let big = vec![0u8; 1 << 20];
    let deadline = Instant::now() + Duration::from_millis(50);
    assert_eq!(
        write_all(&w, &big, &stop, Some(deadline)),
        Err(WriteError::Stopped)
    );
    stop.notify();
    assert_eq!(write_all(&w, &big, &stop, None), Err(WriteError::Stopped));
}
