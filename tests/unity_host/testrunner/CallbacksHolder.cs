using System;
using System.Collections.Generic;
using UnityEditor.TestTools.TestRunner.Api;
using UnityEngine;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// The registered ICallbacks, highest priority first (Api/CallbacksHolder.cs); each call is
    /// guarded so one callback that throws does not stop the others (CallbacksDelegator's
    /// TryInvokeAllCallbacks logs the exception). Per domain: callbacks are registered again
    /// after each reload, as Unity needs.
    /// </summary>
    static class CallbacksHolder
    {
        struct Entry
        {
            public ICallbacks Callbacks;
            public int Priority;
        }

        static readonly List<Entry> Entries = new List<Entry>();

        public static void Add(ICallbacks callbacks, int priority)
        {
            Entries.Add(new Entry { Callbacks = callbacks, Priority = priority });
            Entries.Sort((a, b) => b.Priority.CompareTo(a.Priority));
        }

        public static void Remove(ICallbacks callbacks)
        {
            Entries.RemoveAll(e => ReferenceEquals(e.Callbacks, callbacks));
        }

        public static void Invoke(Action<ICallbacks> call)
        {
            foreach (var e in Entries.ToArray())
            {
                try
                {
                    call(e.Callbacks);
                }
                catch (Exception ex)
                {
                    Debug.LogException(ex);
                }
            }
        }

        public static void Error(string message)
        {
            Debug.LogError(message);
            Invoke(c =>
            {
                var errors = c as IErrorCallbacks;
                if (errors != null) errors.OnError(message);
            });
        }
    }
}
