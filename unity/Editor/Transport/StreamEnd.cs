namespace UnityNvim
{
    /// <summary>What an attempt to reach the other side gave.</summary>
    internal enum OpenResult { Open, NoPeer, Failed }

    /// <summary>
    /// Unity's end of one of the two byte streams: the seam between the bridge's threads and
    /// the system (a FIFO on Linux and macOS, a named pipe on Windows), as Posix.cs is the libc
    /// seam. One thread owns an end and is the only caller of every member, Dispose included;
    /// every wait is bounded by the waitMs it is given, so a stop is always prompt.
    /// </summary>
    internal interface IStreamEnd
    {
        /// <summary>
        /// Reaches for a peer without waiting: Open once bytes can flow (a reader may read, a
        /// writer may write), NoPeer while nobody is on the other side (retried soon), Failed
        /// for anything else (retried slowly).
        /// </summary>
        OpenResult Open();

        /// <summary>True between an Open that gave Open and the next Hangup.</summary>
        bool IsOpen { get; }

        /// <summary>Reads what arrives within waitMs: the byte count, 0 if none came, -1 when the peer left (end of stream).</summary>
        int Read(byte[] buffer, int waitMs);

        /// <summary>
        /// Writes what the stream takes within waitMs: the byte count, -1 when the reader left,
        /// 0 while it is full; then the caller either calls again with the same bytes or Abandons.
        /// </summary>
        int Write(byte[] buffer, int offset, int count, int waitMs);

        /// <summary>Gives up the write that last returned 0: the bytes of it that went out all the same.</summary>
        int Abandon();

        /// <summary>The idle writer's check: true when the reader left.</summary>
        bool PeerLeft();

        /// <summary>Ends this connection; the next Open waits for the next peer.</summary>
        void Hangup();

        /// <summary>Releases everything the end holds.</summary>
        void Dispose();
    }
}
