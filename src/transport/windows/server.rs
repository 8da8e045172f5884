//! The server end of a named pipe: Unity's (doc/protocol.md §2, "Windows"), for the Rust peer
//! that stands in for the editor and for the transport's tests, and the module's wake-up pipe to
//! Neovim (`wake.rs`). Created owner-only, local clients only, one instance, duplex so that a
//! posted read sees the client leave.

use super::sys::{wait_any, wide, Errno, Handle, Io, Overlapped};
use super::Notifier;
use crate::transport::{Wait, WriteError};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;
use windows_sys::Win32::Foundation::{LocalFree, ERROR_PIPE_CONNECTED};
use windows_sys::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
use windows_sys::Win32::Storage::FileSystem::{
    ReadFile, WriteFile, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, PIPE_ACCESS_DUPLEX,
};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, DisconnectNamedPipe, GetNamedPipeClientProcessId,
    PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE, PIPE_WAIT,
};

/// Only the owner has access: a NULL descriptor would let Everyone read.
const OWNER_ONLY: &str = "D:P(A;;GA;;;OW)";
const BUFFER: u32 = 64 * 1024;

/// 32 hex digits from two hashers keyed by the system's random source: the part of a pipe's
/// name that no other process can guess before the pipe exists.
pub fn nonce() -> String {
    let half = || RandomState::new().build_hasher().finish();
    format!("{:016x}{:016x}", half(), half())
}

pub struct PipeServer {
    h: Handle,
    connect: Overlapped,
    read: Overlapped,
    write: Overlapped,
    buf: Box<[u8]>,
}

impl Drop for PipeServer {
    fn drop(&mut self) {
        for io in [&mut self.connect, &mut self.read, &mut self.write] {
            io.cancel(&self.h);
        }
    }
}

fn os(e: Errno) -> std::io::Error {
    std::io::Error::from_raw_os_error(e.0 as i32)
}

impl PipeServer {
    /// Creates the pipe's one instance as the protocol says.
    pub fn create(name: &str) -> std::io::Result<Self> {
        let sddl = wide(OWNER_ONLY);
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: `sddl` is NUL-terminated; `sd` receives a LocalAlloc'd descriptor, freed below.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(os(Errno::last()));
        }
        let sa = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: sd,
            bInheritHandle: 0,
        };
        let w = wide(name);
        // SAFETY: valid name and attributes for the call.
        let h = unsafe {
            CreateNamedPipeW(
                w.as_ptr(),
                PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
                PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                1,
                BUFFER,
                BUFFER,
                0,
                &sa,
            )
        };
        let h = Handle::checked(h);
        // SAFETY: allocated by the conversion above; no longer referenced.
        unsafe { LocalFree(sd) };
        Ok(Self {
            h: h.map_err(os)?,
            connect: Overlapped::new()?,
            read: Overlapped::new()?,
            write: Overlapped::new()?,
            buf: vec![0u8; BUFFER as usize].into_boxed_slice(),
        })
    }

    /// Waits for a client (`ConnectNamedPipe`); `Ready` once one opened the pipe. A client that
    /// came and left before this call is the error `ERROR_NO_DATA` (`is_gone`): `disconnect`,
    /// then accept again.
    pub fn accept(&mut self, stop: &Notifier, timeout: Option<Duration>) -> Result<Wait, Errno> {
        if self.connected()? {
            return Ok(Wait::Ready);
        }
        match wait_any(&[stop.raw(), self.connect.event()], timeout) {
            Some(0) => Ok(Wait::Stopped),
            Some(_) if self.connected()? => Ok(Wait::Ready),
            _ => Ok(Wait::TimedOut),
        }
    }

    /// Whether a client has opened the pipe, without waiting (posts `ConnectNamedPipe` first).
    pub fn connected(&mut self) -> Result<bool, Errno> {
        let io = if self.connect.pending() {
            self.connect.result(&self.h, false)
        } else {
            let h = self.h.0;
            // SAFETY: the OVERLAPPED lives in `self`, which cancels it before dropping.
            self.connect
                .start(&self.h, |ov| unsafe { ConnectNamedPipe(h, ov) })
        };
        match io {
            Io::Done(_) => Ok(true),
            Io::Failed(e) if e.0 == ERROR_PIPE_CONNECTED => Ok(true),
            Io::Failed(e) => Err(e),
            Io::Pending => Ok(false),
        }
    }

    /// The Windows pid of the connected client.
    pub fn client_pid(&self) -> Result<u32, Errno> {
        let mut pid = 0u32;
        // SAFETY: a valid pipe handle; `pid` lives for the call.
        if unsafe { GetNamedPipeClientProcessId(self.h.0, &mut pid) } == 0 {
            return Err(Errno::last());
        }
        Ok(pid)
    }

    /// Writes `byte` unless an earlier write is still pending (then the client has a byte to
    /// read already); never waits.
    pub fn nudge(&mut self, byte: &'static [u8; 1]) -> Result<(), Errno> {
        if self.write.pending() {
            if let Io::Pending = self.write.result(&self.h, false) {
                return Ok(());
            }
        }
        let h = self.h.0;
        // SAFETY: `byte` is static; the OVERLAPPED lives in `self`, which cancels it on drop.
        match self.write.start(&self.h, |ov| unsafe {
            WriteFile(h, byte.as_ptr(), 1, std::ptr::null_mut(), ov)
        }) {
            Io::Failed(e) => Err(e),
            Io::Done(_) | Io::Pending => Ok(()),
        }
    }

    /// Reads what the client sent: `Some(0)` once it left, `None` at the timeout or on `stop`.
    pub fn read(
        &mut self,
        out: &mut [u8],
        stop: &Notifier,
        timeout: Option<Duration>,
    ) -> Result<Option<usize>, Errno> {
        let mut r = if self.read.pending() {
            Io::Pending
        } else {
            let (h, buf) = (self.h.0, &mut self.buf);
            // SAFETY: `buf` lives in `self`, which cancels the read before freeing it.
            self.read.start(&self.h, |ov| unsafe {
                ReadFile(h, buf.as_mut_ptr(), BUFFER, std::ptr::null_mut(), ov)
            })
        };
        if let Io::Pending = r {
            if wait_any(&[stop.raw(), self.read.event()], timeout) != Some(1) {
                return Ok(None);
            }
            r = self.read.result(&self.h, false);
        }
        match r {
            Io::Done(n) => {
                let n = (n as usize).min(out.len());
                out[..n].copy_from_slice(&self.buf[..n]);
                Ok(Some(n))
            }
            Io::Failed(e) if e.is_gone() => Ok(Some(0)),
            Io::Failed(e) => Err(e),
            Io::Pending => Ok(None),
        }
    }

    /// Writes all of `bytes`; `ReaderGone` when the client left.
    pub fn write_all(&mut self, bytes: &[u8], stop: &Notifier) -> Result<(), WriteError> {
        super::write_through(&mut self.write, &self.h, bytes, stop, None)
    }

    /// Lets the client go, so that the next one can connect (`accept` again).
    pub fn disconnect(&mut self) {
        self.read.cancel(&self.h);
        self.write.cancel(&self.h);
        // SAFETY: a valid pipe handle.
        unsafe { DisconnectNamedPipe(self.h.0) };
    }
}
