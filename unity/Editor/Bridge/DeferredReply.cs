using System.Collections.Generic;

namespace UnityNvim
{
    /// <summary>
    /// A command answered later: a handler that returns `DeferredReply.Begin()` owes the reply
    /// until it calls Complete or Fail (the Test Framework lists tests on a later editor tick).
    /// A reply still owed when the domain reloads or Unity quits is answered with an error, so
    /// every command still gets exactly one reply. Main thread only.
    /// </summary>
    internal sealed class DeferredReply
    {
        /// <summary>The command whose handler runs now (set by Commands.Run).</summary>
        internal static Command Running;

        static readonly List<DeferredReply> Open = new List<DeferredReply>();

        readonly Command command;

        DeferredReply(Command command)
        {
            this.command = command;
        }

        /// <summary>Called from a handler: the reply to its command will come later.</summary>
        public static DeferredReply Begin()
        {
            if (Running == null) throw new System.InvalidOperationException("DeferredReply.Begin is only for a command handler that runs now");
            var reply = new DeferredReply(Running);
            Open.Add(reply);
            return reply;
        }

        public void Complete(object result)
        {
            Send(Outgoing.Reply(command.Id, true, null, result));
        }

        public void Fail(string error)
        {
            Send(Outgoing.Reply(command.Id, false, error, null));
        }

        void Send(byte[] frame)
        {
            if (Open.Remove(this)) NeovimBridge.Send(frame);
        }

        /// <summary>Answers every reply still owed: `why` ("Unity reloaded its scripts") before it came.</summary>
        internal static void AbandonAll(string why, OutgoingQueue queue)
        {
            foreach (var reply in Open)
                queue.AddControl(Outgoing.Reply(reply.command.Id, false, why + " before '" + reply.command.Name + "' finished", null), false);
            Open.Clear();
        }
    }
}
