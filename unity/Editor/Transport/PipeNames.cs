using System;
using System.Security.Cryptography;
using System.Text;

namespace UnityNvim
{
    /// <summary>
    /// The names of the two Windows pipes: `\\.\pipe\unity-nvim.NONCE.unity-to-nvim` and
    /// `...nvim-to-unity`, with a nonce of 32 lowercase hex digits picked once per editor process,
    /// so that no other process can know a name before the editor creates it (doc/protocol.md).
    /// </summary>
    internal sealed class PipeNames
    {
        const string Prefix = @"\\.\pipe\unity-nvim.";

        public readonly string ToNvim;
        public readonly string FromNvim;

        public PipeNames(string nonce)
        {
            if (!IsNonce(nonce)) throw new ArgumentException("not a pipe nonce (32 lowercase hex digits): '" + nonce + "'");
            ToNvim = Prefix + nonce + ".unity-to-nvim";
            FromNvim = Prefix + nonce + ".nvim-to-unity";
        }

        /// <summary>A fresh nonce from the system's cryptographic random source.</summary>
        public static string NewNonce()
        {
            var bytes = new byte[16];
            using (var random = RandomNumberGenerator.Create()) random.GetBytes(bytes);
            var hex = new StringBuilder(32);
            foreach (byte b in bytes) hex.Append(b.ToString("x2"));
            return hex.ToString();
        }

        public static bool IsNonce(string s)
        {
            if (s == null || s.Length != 32) return false;
            foreach (char c in s)
                if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) return false;
            return true;
        }
    }
}
