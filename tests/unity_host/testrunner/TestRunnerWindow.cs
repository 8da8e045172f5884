using UnityEditor.TestTools.TestRunner.Api;
using UnityEngine;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// What the host's `host.testrunnerwindow` does in Unity's Test Runner window: Run (the
    /// window's Run button: TestRunnerApi.Execute with its own filter), Cancel and Running. From
    /// 1.3.2 the window's progress bar cancels with TestRunnerApi.CancelTestRun and the running
    /// job's guid (1.3.9: TestRunnerWindow.cs, DisplayCancelableProgressBar; 1.4.x:
    /// GUI/Views/TestListGUIBase.cs, PrintProgressBar); 1.1.33's EditMode progress bar stops the
    /// runner itself (TestRunner/Callbacks/EditModeRunnerCallback.cs, DisplayProgressBar ->
    /// EditModeRunner.OnRunCancel). From 1.3.2 nothing more is called back for that run, no
    /// RunFinished (TestJobRunner.CancelRun runs only the clean-up tasks); in 1.1.33 NUnit winds
    /// the run down to a RunFinished whose result is "Failed:Cancelled" (TestJob.StopRun).
    /// </summary>
    public static class TestRunnerWindow
    {
        /// <summary>Runs the EditMode tests of these full names (all when none); the run's guid.</summary>
        public static string Run(string[] names)
        {
            var filter = new Filter { testMode = TestMode.EditMode, testNames = names };
            return ScriptableObject.CreateInstance<TestRunnerApi>().Execute(new ExecutionSettings(filter));
        }

        /// <summary>True when a run was going and is now cancelled.</summary>
        public static bool Cancel()
        {
            string guid = TestJob.Running;
            if (guid == null) return false;
#if TF_1_3
            return TestRunnerApi.CancelTestRun(guid);
#else
            return TestJob.StopRun(guid);
#endif
        }

        /// <summary>The guid of the run going on, null when none: while there is one the window runs nothing else.</summary>
        public static string Running()
        {
            return TestJob.Running;
        }
    }
}
