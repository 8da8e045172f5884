// Unit tests of the package's descriptor handling over real FIFOs: libc error text, how the
// idle writer polls, and who closes a descriptor when a thread outlives its join.
using System;
using System.IO;
using System.Reflection;
using System.Threading;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        /// <summary>A fresh FIFO in a fresh folder; the folder goes when done is called.</summary>
        static string TempFifo(out Action done)
        {
            string dir = Path.Combine(Path.GetTempPath(), "unity-nvim-unit-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string fifo = Path.Combine(dir, "fifo");
            int errno;
            Check(Posix.MakeFifo(fifo, Convert.ToInt32("600", 8), out errno), "mkfifo: " + Posix.ErrorText(errno));
            done = () => Directory.Delete(dir, true);
            return fifo;
        }

        [PosixOnly]
        static void TestErrorTextIsTheCLibrarysMessage()
        {
            // Mono's Win32Exception would say "Cannot find the specified file" (Windows text).
            Equal("No such file or directory (errno 2)", Posix.ErrorText(2), "ENOENT");
            int errno;
            Check(Posix.Open("/nonexistent/unity-nvim", Posix.O_RDONLY, out errno) < 0, "open fails");
            Equal("No such file or directory (errno 2)", Posix.ErrorText(errno), "the text of a real failure");
        }

        /// <summary>
        /// What XNU's poll() reports for one pipe descriptor, given what Linux reported: XNU turns
        /// poll into kqueue filters registered only for the events asked for, and a write filter at
        /// end of file gives POLLHUP (apple/darwin-xnu bsd/kern/sys_generic.c, poll_callback).
        /// </summary>
        static short AsXnuWouldReport(short linuxRevents, short events)
        {
            bool writeFilter = (events & Posix.POLLOUT) != 0;
            bool readFilter = (events & Posix.POLLIN) != 0;
            if (!writeFilter && !readFilter) return 0;
            bool gone = (linuxRevents & (Posix.POLLERR | Posix.POLLHUP)) != 0;
            return gone ? Posix.POLLHUP : (short)(linuxRevents & events);
        }

        [PosixOnly]
        static void TestIdleWriterNoticesADepartedReaderOnLinuxAndAsXnuWould()
        {
            Action done;
            string fifo = TempFifo(out done);
            int errno;
            int reader = Posix.Open(fifo, Posix.O_RDONLY | Posix.O_NONBLOCK, out errno);
            int writer = Posix.Open(fifo, Posix.O_WRONLY | Posix.O_NONBLOCK, out errno);
            try
            {
                Check(reader >= 0 && writer >= 0, "both ends open");
                short revents = Posix.Poll(writer, FifoEnd.IdleEvents, 0);
                Check(!FifoEnd.ReaderLeft(revents), "a reader is there: " + revents);
                Check(!FifoEnd.ReaderLeft(AsXnuWouldReport(revents, FifoEnd.IdleEvents)), "a reader is there (XNU)");
                Posix.Close(reader);
                reader = -1;
                revents = Posix.Poll(writer, FifoEnd.IdleEvents, 0);
                Check(FifoEnd.ReaderLeft(revents), "the reader left (Linux): " + revents);
                Check(FifoEnd.ReaderLeft(AsXnuWouldReport(revents, FifoEnd.IdleEvents)), "the reader left (XNU)");
                Check(!FifoEnd.ReaderLeft(AsXnuWouldReport(revents, 0)), "polling for no event, XNU would say nothing");
            }
            finally
            {
                Posix.Close(reader);
                Posix.Close(writer);
                done();
            }
        }

        static bool Open(int fd)
        {
            return (Posix.Poll(fd, 0, 0) & Posix.POLLNVAL) == 0;
        }

        [PosixOnly]
        static void TestAThreadThatOutlivesItsJoinClosesItsOwnDescriptor()
        {
            // The main thread must not close a descriptor the thread may still use: Unity could
            // reuse the number meanwhile, and the thread would then write into another file.
            Action done;
            string fifo = TempFifo(out done);
            int errno;
            int reader = Posix.Open(fifo, Posix.O_RDONLY | Posix.O_NONBLOCK, out errno); // never read: the pipe fills
            var queue = new OutgoingQueue(1000, 1);
            for (int i = 0; i < 1000; i++) queue.AddLog(0, "log", new string('x', 1000), "");
            var end = new FifoEnd(fifo, true);
            var writer = new WriterThread(end, queue, Outgoing.Hello("test", "/p", 1, false, "127.0.0.1", 56001, true), Outgoing.Hello("test", "/p", 1, true, "127.0.0.1", 56001, true), Outgoing.State(false, false, false, "release"), null, () => true);
            var fdField = typeof(FifoEnd).GetField("fd", BindingFlags.NonPublic | BindingFlags.Instance);
            try
            {
                writer.Start();
                var deadline = DateTime.UtcNow.AddSeconds(20);
                int fd;
                // Connected, and the pipe full (no POLLOUT): the thread now waits in poll slices.
                while ((fd = (int)fdField.GetValue(end)) < 0 || (Posix.Poll(fd, Posix.POLLOUT, 0) & Posix.POLLOUT) != 0)
                {
                    Check(DateTime.UtcNow < deadline, "the writer connected and filled the pipe");
                    Thread.Sleep(10);
                }
                Check(!writer.Stop("reload", 1500, 1500, 0), "the thread is still draining when the join gives up");
                Check(Open(fd), "after a join timeout the descriptor is still the thread's, open");
                deadline = DateTime.UtcNow.AddSeconds(20);
                while ((int)fdField.GetValue(end) >= 0)
                {
                    Check(DateTime.UtcNow < deadline, "the thread ended and closed its descriptor");
                    Thread.Sleep(10);
                }
                Check(!Open(fd), "closed by the thread itself");
            }
            finally
            {
                Posix.Close(reader);
                done();
            }
        }
    }
}
