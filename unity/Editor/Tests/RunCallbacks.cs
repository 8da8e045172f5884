using System;
using System.Collections.Generic;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityNvim.Tests
{
    /// <summary>
    /// The Test Framework's callbacks (main thread) turned into `test` messages for the run that
    /// Neovim started; runs started elsewhere (Unity's Test Runner window) are not sent.
    /// </summary>
    internal sealed class RunCallbacks : IErrorCallbacks
    {
        readonly string project;
        TestSource source;

        public RunCallbacks(string project)
        {
            this.project = project;
        }

        TestSource Source { get { return source ?? (source = new TestSource(project)); } }

        public void RunStarted(ITestAdaptor testsToRun)
        {
            if (!KeptRun.Active) return;
            if (KeptRun.Started)
            {
                // Unity raises RunStarted once per run, reloads included (1.4.x:
                // RunStartedInvocationEvent is not rerun on resume; 1.1.33: EditModeRunner.Run
                // checks m_RunningTests), so this is another run's: ours ended unannounced, as a
                // run cancelled in Unity's Test Runner window does (no RunFinished after
                // TestJobRunner.CancelRun from 1.3.2).
                KeptRun.Finish(true);
                return;
            }
            source = null; // scripts may have changed since the last run
            KeptRun.Send(new Dictionary<string, object>
            {
                { "event", "run_started" },
                { "mode", KeptRun.Mode },
                { "total", KeptRun.Filter.Leaves(testsToRun) },
            });
        }

        public void TestStarted(ITestAdaptor test)
        {
        }

        public void TestFinished(ITestResultAdaptor result)
        {
            if (!KeptRun.Active || result.Test == null || result.Test.IsSuite) return;
            string status = Status(result.TestStatus);
            KeptRun.Count(status);
            var fields = new Dictionary<string, object>
            {
                { "event", "finished" },
                { "full_name", result.FullName ?? "" },
                { "name", result.Name ?? "" },
                { "status", status },
                { "ms", (long)Math.Max(0, Math.Round(result.Duration * 1000)) },
            };
            // NUnit's ResultState ("Failed:Error", "Skipped:Ignored"...) when it says more than status.
            if (!string.Equals(result.ResultState, status, StringComparison.OrdinalIgnoreCase)) Optional(fields, "state", result.ResultState);
            Optional(fields, "message", result.Message);
            Optional(fields, "stack", UnityStack.Convert(result.StackTrace, project));
            Optional(fields, "output", result.Output);
            var test = result.Test;
            var location = Source.Find(test.TypeInfo != null ? test.TypeInfo.Type : null, test.Method != null ? test.Method.Name : null);
            if (location.File != null) fields["file"] = location.File;
            if (location.Line > 0) fields["line"] = location.Line;
            KeptRun.Send(fields);
        }

        public void RunFinished(ITestResultAdaptor result)
        {
            // 1.1.x: a run cancelled in the Test Runner window still finishes, "Failed:Cancelled".
            bool cancelled = result.ResultState != null && result.ResultState.IndexOf(":Cancelled", StringComparison.Ordinal) >= 0;
            if (KeptRun.Active) KeptRun.Finish(cancelled);
        }

        /// <summary>The run could not start or broke off (Unity logs why): it is over for Neovim too.</summary>
        public void OnError(string message)
        {
            if (KeptRun.Active) KeptRun.Finish(false);
        }

        static string Status(TestStatus status)
        {
            switch (status)
            {
                case TestStatus.Passed: return "passed";
                case TestStatus.Failed: return "failed";
                case TestStatus.Skipped: return "skipped";
                default: return "inconclusive";
            }
        }

        static void Optional(Dictionary<string, object> fields, string key, string value)
        {
            if (!string.IsNullOrEmpty(value)) fields[key] = value;
        }
    }
}
