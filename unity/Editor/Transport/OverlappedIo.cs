using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// One overlapped operation at a time on a pipe handle (ConnectNamedPipe, ReadFile or
    /// WriteFile): its OVERLAPPED and data live in unmanaged memory, because the kernel writes
    /// them after the call returns and the garbage collector may move managed ones. The memory is
    /// freed only once the operation has ended (Cancel waits for that).
    /// </summary>
    internal sealed class OverlappedIo
    {
        readonly IntPtr pipe;
        // Mono on Windows backs a ManualResetEvent with a Win32 event (mono/metadata/w32event-win32.c),
        // so its handle can be the OVERLAPPED's and WaitOne can wait on it.
        readonly ManualResetEvent done = new ManualResetEvent(false);
        readonly IntPtr overlapped = Marshal.AllocHGlobal(Marshal.SizeOf(typeof(NativeOverlapped)));
        IntPtr data = IntPtr.Zero;
        int capacity;

        public OverlappedIo(IntPtr pipe)
        {
            this.pipe = pipe;
        }

        /// <summary>True from a call the system took until Wait or Cancel saw it end.</summary>
        public bool Posted { get; private set; }

        /// <summary>Starts ConnectNamedPipe: 0 when a client is already there, else the error (ERROR_IO_PENDING: posted).</summary>
        public int Connect()
        {
            if (Win32.ConnectNamedPipe(pipe, Prepare())) return 0;
            return Started(false);
        }

        /// <summary>Starts a ReadFile of at most count bytes: 0 or ERROR_IO_PENDING when posted, else the error.</summary>
        public int Read(int count)
        {
            Reserve(count);
            return Started(Win32.ReadFile(pipe, data, (uint)count, IntPtr.Zero, Prepare()));
        }

        /// <summary>Starts a WriteFile of a copy of the bytes: 0 or ERROR_IO_PENDING when posted, else the error.</summary>
        public int Write(byte[] buffer, int offset, int count)
        {
            Reserve(count);
            Marshal.Copy(buffer, offset, data, count);
            return Started(Win32.WriteFile(pipe, data, (uint)count, IntPtr.Zero, Prepare()));
        }

        /// <summary>Waits at most waitMs for the posted operation; once it ended, its error (0: success) and byte count.</summary>
        public bool Wait(int waitMs, out int error, out int transferred)
        {
            error = Win32.ERROR_IO_PENDING;
            transferred = 0;
            if (!done.WaitOne(waitMs)) return false;
            Finish(false, out error, out transferred);
            return true;
        }

        /// <summary>Cancels the posted operation and waits until the system is done with it: the bytes it moved before.</summary>
        public int Cancel()
        {
            if (!Posted) return 0;
            Win32.CancelIoEx(pipe, overlapped);
            int error, transferred;
            Finish(true, out error, out transferred);
            return transferred;
        }

        public void CopyOut(byte[] buffer, int count)
        {
            Marshal.Copy(data, buffer, 0, count);
        }

        /// <summary>Cancels what is posted, then frees the memory (the handle is the caller's).</summary>
        public void Dispose()
        {
            Cancel();
            Marshal.FreeHGlobal(overlapped);
            if (data != IntPtr.Zero) Marshal.FreeHGlobal(data);
            done.Close();
        }

        IntPtr Prepare()
        {
            done.Reset();
            Marshal.StructureToPtr(new NativeOverlapped { EventHandle = done.SafeWaitHandle.DangerousGetHandle() }, overlapped, false);
            return overlapped;
        }

        /// <summary>An overlapped call that returned true also signals its event: Wait collects it as a posted one.</summary>
        int Started(bool completed)
        {
            int error = completed ? 0 : Win32.LastError;
            Posted = completed || error == Win32.ERROR_IO_PENDING;
            return error;
        }

        void Finish(bool wait, out int error, out int transferred)
        {
            uint n;
            error = Win32.GetOverlappedResult(pipe, overlapped, out n, wait) ? 0 : Win32.LastError;
            transferred = (int)n;
            Posted = false;
        }

        void Reserve(int count)
        {
            if (count <= capacity) return;
            if (data != IntPtr.Zero) Marshal.FreeHGlobal(data);
            data = Marshal.AllocHGlobal(count);
            capacity = count;
        }
    }
}
