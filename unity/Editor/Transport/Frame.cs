using System;

namespace UnityNvim
{
    /// <summary>Frame format of doc/protocol.md section 3: "UN", N, ~N, payload, CRC-32.</summary>
    internal static class Frame
    {
        public const int HeaderSize = 10;
        public const int Overhead = 14;
        public const int MaxPayload = 16 * 1024 * 1024;

        public static byte[] Encode(byte[] payload)
        {
            int n = payload.Length;
            if (n < 1 || n > MaxPayload) throw new ArgumentException("payload must be 1 byte to 16 MiB, not " + n);
            var frame = new byte[n + Overhead];
            frame[0] = 0x55;
            frame[1] = 0x4E;
            PutU32(frame, 2, (uint)n);
            PutU32(frame, 6, ~(uint)n);
            Buffer.BlockCopy(payload, 0, frame, HeaderSize, n);
            PutU32(frame, HeaderSize + n, Crc32.Compute(payload, 0, n));
            return frame;
        }

        public static void PutU32(byte[] b, int at, uint v)
        {
            b[at] = (byte)(v >> 24);
            b[at + 1] = (byte)(v >> 16);
            b[at + 2] = (byte)(v >> 8);
            b[at + 3] = (byte)v;
        }

        public static uint GetU32(byte[] b, int at)
        {
            return (uint)b[at] << 24 | (uint)b[at + 1] << 16 | (uint)b[at + 2] << 8 | b[at + 3];
        }
    }

    /// <summary>
    /// Streaming, resynchronising frame decoder (doc/protocol.md section 3, "Reading and
    /// resynchronising"). Each run of skipped bytes between two good frames counts as one
    /// corrupt event. Not thread-safe: one reader thread owns it.
    /// </summary>
    internal sealed class FrameDecoder
    {
        byte[] buffer = new byte[64 * 1024];
        int start;
        int end;
        bool skipping;

        /// <summary>Number of corrupt events (skipped runs) so far.</summary>
        public long Corrupt { get; private set; }

        /// <summary>True while bytes of an incomplete frame or candidate header are pending.</summary>
        public bool HasPending { get { return end > start; } }

        public void Feed(byte[] data, int offset, int count)
        {
            if (end + count > buffer.Length)
            {
                int live = end - start;
                if (live + count > buffer.Length)
                {
                    int size = buffer.Length;
                    while (size < live + count) size *= 2;
                    var bigger = new byte[size];
                    Buffer.BlockCopy(buffer, start, bigger, 0, live);
                    buffer = bigger;
                }
                else
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, live);
                }
                start = 0;
                end = live;
            }
            Buffer.BlockCopy(data, offset, buffer, end, count);
            end += count;
        }

        /// <summary>The next good payload, or null when more bytes are needed.</summary>
        public byte[] Next()
        {
            while (true)
            {
                int magic = FindMagic(start);
                if (magic < 0)
                {
                    // Keep a trailing 0x55: it may be the first half of the next magic.
                    int keep = end > start && buffer[end - 1] == 0x55 ? 1 : 0;
                    Skip(end - keep - start);
                    ShrinkIfEmpty();
                    return null;
                }
                Skip(magic - start);
                if (end - start < Frame.HeaderSize) return null;
                int status = Check(start);
                if (status < 0) { Skip(1); continue; }
                if (status == 0) return null;
                int n = (int)Frame.GetU32(buffer, start + 2);
                var payload = new byte[n];
                Buffer.BlockCopy(buffer, start + Frame.HeaderSize, payload, 0, n);
                start += n + Frame.Overhead;
                skipping = false;
                ShrinkIfEmpty();
                return payload;
            }
        }

        /// <summary>
        /// Called when no byte arrived for a while (endOfStream false) or when the writer closed
        /// (true) with bytes still pending: if a complete good frame lies further on, the pending
        /// bytes before it are garbage. At end of stream whatever cannot be a frame is garbage.
        /// </summary>
        public void Resync(bool endOfStream)
        {
            for (int at = FindMagic(start + 1); at >= 0; at = FindMagic(at + 1))
            {
                if (end - at >= Frame.HeaderSize && Check(at) > 0)
                {
                    Skip(at - start);
                    return;
                }
            }
            if (!endOfStream) return;
            Skip(end - start);
            ShrinkIfEmpty();
            skipping = false; // the next writer's garbage is a new event
        }

        int FindMagic(int from)
        {
            for (int i = from; i + 1 < end; i++)
                if (buffer[i] == 0x55 && buffer[i + 1] == 0x4E) return i;
            return -1;
        }

        /// <summary>-1: not a frame here; 0: plausible but incomplete; 1: good frame.</summary>
        int Check(int at)
        {
            uint n = Frame.GetU32(buffer, at + 2);
            uint not = Frame.GetU32(buffer, at + 6);
            if (n == 0 || n > Frame.MaxPayload || not != ~n) return -1;
            if (end - at < n + Frame.Overhead) return 0;
            uint crc = Frame.GetU32(buffer, at + Frame.HeaderSize + (int)n);
            return Crc32.Compute(buffer, at + Frame.HeaderSize, (int)n) == crc ? 1 : -1;
        }

        void Skip(int count)
        {
            if (count <= 0) return;
            start += count;
            if (!skipping)
            {
                skipping = true;
                Corrupt++;
            }
        }

        void ShrinkIfEmpty()
        {
            if (start != end) return;
            start = end = 0;
            if (buffer.Length > 1024 * 1024) buffer = new byte[64 * 1024];
        }
    }
}
