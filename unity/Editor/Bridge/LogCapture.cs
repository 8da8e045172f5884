using System;
using UnityEditor;
using UnityEngine;

namespace UnityNvim
{
    /// <summary>
    /// Console capture through Application.logMessageReceivedThreaded only: it fires for every
    /// thread (logMessageReceived drops worker-thread logs), and subscribing to both would
    /// duplicate. Runs on the logging thread, so it only numbers and queues the message.
    /// </summary>
    internal sealed class LogCapture
    {
        [ThreadStatic] static bool inHandler;

        readonly OutgoingQueue queue;
        volatile bool active;

        public LogCapture(OutgoingQueue queue)
        {
            this.queue = queue;
        }

        public void Start()
        {
            active = true;
            Application.logMessageReceivedThreaded += OnLog;
            EditorApplication.playModeStateChanged += OnPlayModeChanged;
        }

        public void Stop()
        {
            active = false;
            Application.logMessageReceivedThreaded -= OnLog;
            EditorApplication.playModeStateChanged -= OnPlayModeChanged;
        }

        // Since Unity 2017.1 the threaded callback can stop firing after play mode ends: subscribe again.
        void OnPlayModeChanged(PlayModeStateChange change)
        {
            if (change != PlayModeStateChange.EnteredEditMode || !active) return;
            Application.logMessageReceivedThreaded -= OnLog;
            Application.logMessageReceivedThreaded += OnLog;
        }

        void OnLog(string condition, string stackTrace, LogType type)
        {
            // A log raised while handling a log (e.g. by a failing allocation) must not recurse.
            if (inHandler || !active) return;
            inHandler = true;
            try
            {
                queue.AddLog(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Level(type), condition, stackTrace);
            }
            catch (Exception)
            {
                // Never log from here: that is the recursion this guard exists for.
            }
            finally
            {
                inHandler = false;
            }
        }

        static string Level(LogType type)
        {
            switch (type)
            {
                case LogType.Warning: return "warning";
                case LogType.Error: return "error";
                case LogType.Exception: return "exception";
                case LogType.Assert: return "assert";
                default: return "log";
            }
        }
    }
}
