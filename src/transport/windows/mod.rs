//! The Windows side of the transport: the client of Unity's two named pipes
//! (doc/protocol.md §2, "Windows: named pipes"). The names come from `session.json`; before a
//! byte moves, the pipe's server must be the editor that `session.json` names. Waits are
//! overlapped I/O beside the stop event, so no thread blocks without watching it. The only
//! `unsafe` of the crate's transport lives in this folder. Tested under wine by
//! `make test-windows` (the tests below, against the server in `server.rs`).

mod server;
mod sys;
mod wake;

pub use server::{nonce, PipeServer};
pub use sys::Errno;
pub use wake::{Notifier, WatchError};

use super::{OpenError, Paths, Wait, WriteError};
use serde::Deserialize;
use std::path::Path;
use std::time::{Duration, Instant};
use sys::{wait_any, wide, Handle, Io, Overlapped};
use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_BROKEN_PIPE, ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND,
    ERROR_PIPE_BUSY, GENERIC_READ, GENERIC_WRITE, WAIT_TIMEOUT,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, ReadFile, WriteFile, FILE_FLAG_OVERLAPPED, OPEN_EXISTING, SECURITY_IDENTIFICATION,
    SECURITY_SQOS_PRESENT,
};
use windows_sys::Win32::System::Pipes::{GetNamedPipeServerProcessId, PeekNamedPipe};
use windows_sys::Win32::System::Threading::{
    OpenProcess, WaitForSingleObject, PROCESS_SYNCHRONIZE,
};

/// Nothing besides the pipe wakes a Windows reader: it checks `nvim.lock` on a timer
/// (`lock::CHECK_EVERY`), as the protocol says, instead of polling a nudge FIFO.
pub type Wake<'a> = std::marker::PhantomData<&'a ()>;

/// What `session.json` says about the pipes (doc/protocol.md §1-2).
#[derive(Deserialize)]
struct Session {
    pid: u32,
    pipes: Option<Pipes>,
}

#[derive(Deserialize)]
struct Pipes {
    #[serde(rename = "unity-to-nvim")]
    to_nvim: String,
    #[serde(rename = "nvim-to-unity")]
    to_unity: String,
}

/// The editor's pid and the two pipe names; `Missing` until a session names its pipes.
fn session(paths: &Paths) -> Result<(u32, Pipes), OpenError> {
    let text = std::fs::read(&paths.session).map_err(|_| OpenError::Missing)?;
    match serde_json::from_slice::<Session>(&text) {
        Ok(Session {
            pid,
            pipes: Some(p),
        }) => Ok((pid, p)),
        // Half written by hand, or a package that does not speak pipes: as if not running.
        _ => Err(OpenError::Missing),
    }
}

/// Opens one of the pipes and checks that Unity serves it.
fn open_pipe(paths: &Paths, to_nvim: bool) -> Result<Handle, OpenError> {
    let (pid, pipes) = session(paths)?;
    let name = if to_nvim {
        pipes.to_nvim
    } else {
        pipes.to_unity
    };
    // The command pipe is opened for reading too, only so that `PeekNamedPipe` can tell that
    // Unity left without a write (it never reads there).
    let access = if to_nvim {
        GENERIC_READ
    } else {
        GENERIC_READ | GENERIC_WRITE
    };
    let w = wide(&name);
    // SAFETY: `w` is a NUL-terminated name; no security attributes or template.
    let h = unsafe {
        CreateFileW(
            w.as_ptr(),
            access,
            0,
            std::ptr::null(),
            OPEN_EXISTING,
            FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
            std::ptr::null_mut(),
        )
    };
    let h = Handle::checked(h).map_err(|e| match e.0 {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND => OpenError::Missing,
        ERROR_PIPE_BUSY => OpenError::NoReader,
        _ => OpenError::Io(e),
    })?;
    let mut server = 0u32;
    // SAFETY: `h` is an open pipe handle; `server` lives for the call.
    if unsafe { GetNamedPipeServerProcessId(h.0, &mut server) } == 0 {
        return Err(OpenError::Io(Errno::last()));
    }
    if server != pid {
        return Err(OpenError::Impostor {
            pipe: name,
            server,
            unity: pid,
        });
    }
    Ok(h)
}

/// The reader's end of `unity-to-nvim`, with one overlapped read kept posted.
pub struct ReadEnd {
    h: Handle,
    io: Overlapped,
    buf: Box<[u8]>,
    done: Option<Result<usize, Errno>>,
}

impl Drop for ReadEnd {
    fn drop(&mut self) {
        // The system writes into `buf` until the read is cancelled.
        self.io.cancel(&self.h);
    }
}

/// The writer's end of `nvim-to-unity`.
pub struct WriteEnd {
    h: Handle,
    io: std::sync::Mutex<Overlapped>,
}

/// Opens `unity-to-nvim` for reading: `Missing` while Unity starts, reloads or is gone,
/// `NoReader` while another client holds the pipe's one instance.
pub fn open_reader(paths: &Paths) -> Result<ReadEnd, OpenError> {
    let h = open_pipe(paths, true)?;
    Ok(ReadEnd {
        h,
        io: Overlapped::new().map_err(io_err)?,
        buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        done: None,
    })
}

/// Opens `nvim-to-unity` for writing; `NoReader` when Unity is not listening for us.
pub fn open_writer(paths: &Paths) -> Result<WriteEnd, OpenError> {
    let h = open_pipe(paths, false)?;
    Ok(WriteEnd {
        h,
        io: std::sync::Mutex::new(Overlapped::new().map_err(io_err)?),
    })
}

fn io_err(e: std::io::Error) -> OpenError {
    OpenError::Io(errno_of(&e))
}

/// Always true: pipe names hold a nonce per editor session, and a restarted editor ends the old
/// pipe with `ERROR_BROKEN_PIPE`, which the reader sees as the end of the stream.
pub fn same_file(_path: &Path, _r: &ReadEnd) -> bool {
    true
}

/// Posts a read unless one is posted or its result waits; returns whether a result waits.
fn post_read(r: &mut ReadEnd) -> bool {
    if r.done.is_none() && !r.io.pending() {
        let (h, buf) = (r.h.0, &mut r.buf);
        let len = buf.len() as u32;
        // SAFETY: `buf` and the OVERLAPPED live in `r`, which cancels the read before freeing them.
        let io = r.io.start(&r.h, |ov| unsafe {
            ReadFile(h, buf.as_mut_ptr(), len, std::ptr::null_mut(), ov)
        });
        r.done = finished(io);
    }
    r.done.is_some()
}

fn finished(io: Io) -> Option<Result<usize, Errno>> {
    match io {
        Io::Done(n) => Some(Ok(n as usize)),
        Io::Failed(e) => Some(Err(e)),
        Io::Pending => None,
    }
}

/// Waits until the reader has bytes or an end of stream, `stop` fires or the timeout passes.
pub fn wait_readable(
    r: &mut ReadEnd,
    _also: Option<Wake>,
    stop: &Notifier,
    timeout: Option<Duration>,
) -> Wait {
    if post_read(r) {
        return Wait::Ready;
    }
    match wait_any(&[stop.raw(), r.io.event()], timeout) {
        Some(0) => Wait::Stopped,
        Some(_) => {
            r.done = finished(r.io.result(&r.h, false));
            if r.done.is_some() {
                Wait::Ready
            } else {
                Wait::TimedOut
            }
        }
        None => Wait::TimedOut,
    }
}

/// Takes what the posted read brought: `Some(0)` at the end of the stream (Unity reloaded or
/// quit: `ERROR_BROKEN_PIPE`), `None` when nothing came yet.
pub fn read_some(r: &mut ReadEnd, out: &mut [u8]) -> Result<Option<usize>, Errno> {
    match r.done.take() {
        None => Ok(None),
        // A zero-byte completion is not an end of stream on a byte pipe: nothing came.
        Some(Ok(0)) => Ok(None),
        Some(Ok(n)) => {
            let n = n.min(out.len());
            out[..n].copy_from_slice(&r.buf[..n]);
            Ok(Some(n))
        }
        Some(Err(e)) if e.is_gone() => Ok(Some(0)),
        Some(Err(e)) => Err(e),
    }
}

/// Whether Unity left the command pipe (closed or disconnected it), without writing.
pub fn reader_gone(w: &WriteEnd) -> bool {
    let mut avail = 0u32;
    // SAFETY: no buffer is read; `avail` lives for the call.
    let ok = unsafe {
        PeekNamedPipe(
            w.h.0,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            &mut avail,
            std::ptr::null_mut(),
        )
    };
    ok == 0
}

/// Writes all of `bytes`, waiting while the pipe is full, until `stop` fires or `deadline`
/// passes (then the write is cancelled: a frame part of which went out is lost, as on a FIFO).
pub fn write_all(
    w: &WriteEnd,
    bytes: &[u8],
    stop: &Notifier,
    deadline: Option<Instant>,
) -> Result<(), WriteError> {
    let mut io = w.io.lock().unwrap_or_else(|p| p.into_inner());
    write_through(&mut io, &w.h, bytes, stop, deadline)
}

/// `write_all` on any pipe handle with its overlapped write: the client's ends and the server's.
fn write_through(
    io: &mut Overlapped,
    h: &Handle,
    mut bytes: &[u8],
    stop: &Notifier,
    deadline: Option<Instant>,
) -> Result<(), WriteError> {
    while !bytes.is_empty() {
        let (raw, len) = (h.0, bytes.len().min(u32::MAX as usize) as u32);
        // SAFETY: `bytes` outlives the write: it is waited for or cancelled before returning.
        let mut r = io.start(h, |ov| unsafe {
            WriteFile(raw, bytes.as_ptr(), len, std::ptr::null_mut(), ov)
        });
        while let Io::Pending = r {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match wait_any(&[stop.raw(), io.event()], left) {
                Some(1) => r = io.result(h, false),
                _ => {
                    io.cancel(h);
                    return Err(WriteError::Stopped);
                }
            }
        }
        match r {
            Io::Done(n) => bytes = &bytes[n as usize..],
            Io::Failed(e) if e.is_gone() => return Err(WriteError::ReaderGone),
            Io::Failed(e) => return Err(WriteError::Io(e)),
            Io::Pending => unreachable!("waited above"),
        }
    }
    Ok(())
}

/// Sleeps up to `d`, returning early (true) when `stop` fires.
pub fn sleep(stop: &Notifier, d: Duration) -> bool {
    wait_any(&[stop.raw()], Some(d)).is_some()
}

/// Waits until `n` is notified, `stop` fires or the timeout passes.
pub fn wait_notified(n: &Notifier, stop: &Notifier, timeout: Option<Duration>) -> Wait {
    match wait_any(&[stop.raw(), n.raw()], timeout) {
        Some(0) => Wait::Stopped,
        Some(_) => Wait::Ready,
        None => Wait::TimedOut,
    }
}

/// The number of an error, as the system gives it.
pub fn errno_number(e: Errno) -> i32 {
    e.0 as i32
}

/// The error a writer meets when its reader left.
pub const GONE: Errno = Errno(ERROR_BROKEN_PIPE);

/// The error of a failed standard-library call.
pub fn errno_of(e: &std::io::Error) -> Errno {
    Errno(e.raw_os_error().unwrap_or(0) as u32)
}

/// Whether process `pid` exists: one we may not open exists too.
pub fn alive(pid: u32) -> bool {
    // SAFETY: a handle only to wait on, closed by `Handle`.
    let h = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, pid) };
    match Handle::checked(h) {
        // SAFETY: a valid process handle; a zero timeout only asks whether it ended.
        Ok(h) => unsafe { WaitForSingleObject(h.0, 0) == WAIT_TIMEOUT },
        Err(e) => e.0 == ERROR_ACCESS_DENIED,
    }
}

/// What `:checkhealth` can check without opening: a session that names its pipes.
pub fn check_fifos(paths: &Paths) -> Result<(), OpenError> {
    session(paths).map(|_| ())
}

/// Replaces `path` atomically (a temporary file, then a rename): readers never see half a file.
/// NTFS permissions are inherited from the project folder.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests;
