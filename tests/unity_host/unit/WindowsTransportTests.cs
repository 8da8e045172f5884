// Unit tests of the Windows transport's pure parts, which run here without Windows: the pipe
// names and their nonce, session.json with pipes, the rendezvous folder as Windows keeps it, and
// how a pipe error maps to the writer's states.
using System;
using System.IO;
using System.Text.RegularExpressions;
using UnityEditor;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        const string SomeNonce = "0123456789abcdef0123456789abcdef";

        static void TestNonceIs32LowercaseHexFromARandomSource()
        {
            string a = PipeNames.NewNonce(), b = PipeNames.NewNonce();
            Check(Regex.IsMatch(a, "^[0-9a-f]{32}$"), "32 lowercase hex digits: " + a);
            Check(a != b, "two nonces differ");
            Check(PipeNames.IsNonce(SomeNonce), "a nonce");
            foreach (var bad in new[] { null, "", SomeNonce.Substring(1), SomeNonce + "0", SomeNonce.ToUpperInvariant(), "g" + SomeNonce.Substring(1), "..\\" + SomeNonce.Substring(3) })
                Check(!PipeNames.IsNonce(bad), "not a nonce: " + bad);
        }

        static void TestPipeNamesFollowTheProtocol()
        {
            var pipes = new PipeNames(SomeNonce);
            Equal(@"\\.\pipe\unity-nvim." + SomeNonce + ".unity-to-nvim", pipes.ToNvim, "unity-to-nvim");
            Equal(@"\\.\pipe\unity-nvim." + SomeNonce + ".nvim-to-unity", pipes.FromNvim, "nvim-to-unity");
            try
            {
                new PipeNames("..\\..\\" + SomeNonce.Substring(6));
                throw new Exception("a name made of anything but a nonce was accepted");
            }
            catch (ArgumentException)
            {
            }
        }

        static void TestSessionJsonNamesThePipesWithEscapedBackslashes()
        {
            // doc/protocol.md's example, byte for byte.
            Equal("{\"protocol\":1,\"pid\":12345,\"unity\":\"6000.0.23f1\",\"project\":\"C:\\\\Users\\\\me\\\\Game\","
                + "\"pipes\":{\"unity-to-nvim\":\"\\\\\\\\.\\\\pipe\\\\unity-nvim." + SomeNonce + ".unity-to-nvim\","
                + "\"nvim-to-unity\":\"\\\\\\\\.\\\\pipe\\\\unity-nvim." + SomeNonce + ".nvim-to-unity\"}}\n",
                Rendezvous.SessionJson(@"C:\Users\me\Game", "6000.0.23f1", 12345, new PipeNames(SomeNonce)), "session.json on Windows");
            Equal("{\"protocol\":1,\"pid\":7,\"unity\":\"2021.3.1f1\",\"project\":\"/home/me/Game \\\"q\\\"\"}\n",
                Rendezvous.SessionJson("/home/me/Game \"q\"", "2021.3.1f1", 7, null), "session.json with FIFOs names no pipes");
        }

        static void TestWindowsRendezvousIsSessionJsonOnly()
        {
            // Only System.IO: the Windows folder's life runs here as it would there.
            string project = Path.Combine(Path.GetTempPath(), "unity-nvim-unit-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(project);
            try
            {
                var r = new Rendezvous(project, new PipeNames(SomeNonce));
                Check(!r.IsIntact(), "nothing yet");
                r.Create(@"C:\Game", "2021.3.1f1", 42);
                Check(r.IsIntact(), "session.json is all a Windows rendezvous has");
                Equal(42, r.OwnerPid(), "the pid it names");
                Equal(1, Directory.GetFileSystemEntries(r.Folder).Length, "no FIFO, no temporary file");
                File.WriteAllText(Path.Combine(r.Folder, "nvim.lock"), "1");
                r.Create(@"C:\Game", "2021.3.1f1", 43); // a new editor session over an old one
                Equal(43, r.OwnerPid(), "session.json replaced");
                Equal(Rendezvous.SessionJson(@"C:\Game", "2021.3.1f1", 43, r.Pipes), File.ReadAllText(r.SessionFile), "its text");
                r.Remove();
                Check(!File.Exists(r.SessionFile), "quitting removes session.json");
            }
            finally
            {
                Directory.Delete(project, true);
            }
        }

        static void TestPipeErrorsMapToTheWritersStates()
        {
            Equal(Win32.PeerState.Connected, Win32.Peer(0), "ConnectNamedPipe done");
            Equal(Win32.PeerState.Connected, Win32.Peer(Win32.ERROR_PIPE_CONNECTED), "a client opened before ConnectNamedPipe");
            Equal(Win32.PeerState.NotYet, Win32.Peer(Win32.ERROR_IO_PENDING), "waiting for a client: no reader yet");
            Equal(Win32.PeerState.NotYet, Win32.Peer(Win32.ERROR_PIPE_LISTENING), "listening: no reader yet");
            Equal(Win32.PeerState.Left, Win32.Peer(Win32.ERROR_BROKEN_PIPE), "109: the reader left");
            Equal(Win32.PeerState.Left, Win32.Peer(Win32.ERROR_NO_DATA), "232: the pipe is closing, the reader left");
            Equal(Win32.PeerState.Left, Win32.Peer(Win32.ERROR_PIPE_NOT_CONNECTED), "233: the reader left");
            Equal(Win32.PeerState.Failed, Win32.Peer(Win32.ERROR_ACCESS_DENIED), "anything else fails");
        }

        static void TestPipeNonceIsKeptForTheEditorSession()
        {
            // SessionState outlives domain reloads (Unity keeps it in native memory; the stub in the default domain).
            var storeType = typeof(SessionState).Assembly.GetType("UnityEditor.SessionStore", true);
            AppDomain.CurrentDomain.SetData("UnityEditor.SessionStore", Activator.CreateInstance(storeType, true));
            try
            {
                string nonce = Carryover.PipeNonce();
                Check(PipeNames.IsNonce(nonce), "a nonce: " + nonce);
                Equal(nonce, Carryover.PipeNonce(), "the same for every domain of this editor process");
                SessionState.SetString("UnityNvim.Bridge.PipeNonce", "not-a-nonce");
                Check(PipeNames.IsNonce(Carryover.PipeNonce()), "a damaged value is replaced");
            }
            finally
            {
                AppDomain.CurrentDomain.SetData("UnityEditor.SessionStore", null);
            }
        }
    }
}
