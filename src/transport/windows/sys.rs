//! The Win32 pieces both ends of a named pipe use: owned handles, events, waits, overlapped
//! I/O that a stop signal can interrupt, and error numbers.

use std::time::Duration;
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, ERROR_BROKEN_PIPE, ERROR_FILE_NOT_FOUND, ERROR_IO_PENDING,
    ERROR_NO_DATA, ERROR_PIPE_BUSY, ERROR_PIPE_CONNECTED, ERROR_PIPE_NOT_CONNECTED, FALSE, HANDLE,
    INVALID_HANDLE_VALUE, TRUE, WAIT_OBJECT_0,
};
use windows_sys::Win32::System::Threading::{
    CreateEventW, ResetEvent, SetEvent, WaitForMultipleObjects, WaitForSingleObject, INFINITE,
};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};

/// A Win32 error number (`GetLastError`), in the role `errno` has on Unix.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub u32);

impl Errno {
    pub fn last() -> Self {
        // SAFETY: reads the calling thread's last-error value.
        Errno(unsafe { GetLastError() })
    }

    /// The system's description.
    pub fn desc(self) -> String {
        std::io::Error::from_raw_os_error(self.0 as i32).to_string()
    }

    /// The meaning of the errors the protocol names (doc/protocol.md §2, "Windows").
    pub fn is_gone(self) -> bool {
        matches!(
            self.0,
            ERROR_BROKEN_PIPE | ERROR_NO_DATA | ERROR_PIPE_NOT_CONNECTED
        )
    }
}

impl std::fmt::Debug for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.0 {
            ERROR_FILE_NOT_FOUND => "ERROR_FILE_NOT_FOUND",
            ERROR_BROKEN_PIPE => "ERROR_BROKEN_PIPE",
            ERROR_NO_DATA => "ERROR_NO_DATA",
            ERROR_PIPE_BUSY => "ERROR_PIPE_BUSY",
            ERROR_PIPE_CONNECTED => "ERROR_PIPE_CONNECTED",
            ERROR_PIPE_NOT_CONNECTED => "ERROR_PIPE_NOT_CONNECTED",
            n => return write!(f, "ERROR_{n}"),
        };
        f.write_str(name)
    }
}

/// A handle closed when dropped.
pub struct Handle(pub HANDLE);

// SAFETY: a kernel handle may be used from any thread; each owner serialises its own I/O.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Handle {
    /// Takes ownership of what a creating call returned, or its error.
    pub fn checked(h: HANDLE) -> Result<Self, Errno> {
        if h.is_null() || h == INVALID_HANDLE_VALUE {
            Err(Errno::last())
        } else {
            Ok(Handle(h))
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: we own the handle and close it once.
        unsafe { CloseHandle(self.0) };
    }
}

/// A manual-reset event: set until cleared, as a pipe with a byte in it is readable until read.
pub struct Event(pub Handle);

impl Event {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: no attributes, no name.
        let h = unsafe { CreateEventW(std::ptr::null(), TRUE, FALSE, std::ptr::null()) };
        Handle::checked(h)
            .map(Event)
            .map_err(|e| std::io::Error::from_raw_os_error(e.0 as i32))
    }

    pub fn set(&self) {
        // SAFETY: a valid event handle.
        unsafe { SetEvent(self.0 .0) };
    }

    pub fn reset(&self) {
        // SAFETY: a valid event handle.
        unsafe { ResetEvent(self.0 .0) };
    }

    pub fn is_set(&self) -> bool {
        // SAFETY: a valid event handle; a zero timeout only asks.
        unsafe { WaitForSingleObject(self.0 .0, 0) == WAIT_OBJECT_0 }
    }

    pub fn raw(&self) -> HANDLE {
        self.0 .0
    }
}

/// Waits for the first of `handles` to be signalled: its index, or `None` at the timeout.
pub fn wait_any(handles: &[HANDLE], timeout: Option<Duration>) -> Option<usize> {
    let ms = timeout.map_or(INFINITE, |d| {
        d.as_millis().min(u128::from(INFINITE - 1)) as u32
    });
    // SAFETY: `handles` are valid for the call.
    let r = unsafe { WaitForMultipleObjects(handles.len() as u32, handles.as_ptr(), FALSE, ms) };
    let i = r.wrapping_sub(WAIT_OBJECT_0) as usize;
    (i < handles.len()).then_some(i)
}

/// How an overlapped operation ended.
pub enum Io {
    Done(u32),
    Failed(Errno),
    /// Still running: the caller waits on the event, then calls [`Overlapped::finish`].
    Pending,
}

/// One overlapped operation at a time on a handle, with its own event. Boxed: the system
/// writes into it until the operation completes, wherever the owner moves.
pub struct Overlapped {
    ov: Box<OVERLAPPED>,
    event: Event,
    pending: bool,
}

// SAFETY: the OVERLAPPED is only touched by the owning thread and the kernel.
unsafe impl Send for Overlapped {}

impl Overlapped {
    pub fn new() -> std::io::Result<Self> {
        let event = Event::new()?;
        // SAFETY: OVERLAPPED is plain data; zero is its initial state.
        let mut ov: Box<OVERLAPPED> = Box::new(unsafe { std::mem::zeroed() });
        ov.hEvent = event.raw();
        Ok(Self {
            ov,
            event,
            pending: false,
        })
    }

    pub fn pending(&self) -> bool {
        self.pending
    }

    pub fn event(&self) -> HANDLE {
        self.event.raw()
    }

    /// Starts an operation: `op` gets the OVERLAPPED and returns the call's BOOL.
    pub fn start(&mut self, h: &Handle, op: impl FnOnce(*mut OVERLAPPED) -> i32) -> Io {
        debug_assert!(!self.pending);
        self.event.reset();
        let ok = op(&mut *self.ov);
        let err = Errno::last();
        if ok == 0 && err.0 != ERROR_IO_PENDING {
            return Io::Failed(err);
        }
        self.pending = true;
        // Completed at once or not: the result is read the same way.
        match self.result(h, false) {
            Io::Pending => Io::Pending,
            done => done,
        }
    }

    /// The result of the operation once the event is set (`wait` blocks until it is).
    pub fn result(&mut self, h: &Handle, wait: bool) -> Io {
        let mut n = 0u32;
        // SAFETY: `ov` is the OVERLAPPED of the operation started on `h`.
        let ok = unsafe { GetOverlappedResult(h.0, &*self.ov, &mut n, i32::from(wait)) };
        if ok != 0 {
            self.pending = false;
            return Io::Done(n);
        }
        let err = Errno::last();
        if err.0 == windows_sys::Win32::Foundation::ERROR_IO_INCOMPLETE {
            return Io::Pending;
        }
        self.pending = false;
        Io::Failed(err)
    }

    /// Cancels a running operation and waits until the system no longer uses the buffers.
    pub fn cancel(&mut self, h: &Handle) {
        if self.pending {
            // SAFETY: `ov` belongs to an operation started on `h`.
            unsafe { CancelIoEx(h.0, &*self.ov) };
            let _ = self.result(h, true);
            self.pending = false;
        }
    }
}

/// A NUL-terminated UTF-16 string for the `W` calls.
pub fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}
