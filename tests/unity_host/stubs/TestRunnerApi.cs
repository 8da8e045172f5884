// Stand-in for the public API of com.unity.test-framework that the package uses, with the
// signatures of UnityEditor.TestRunner/Api/*.cs in versions 1.1.33 (Unity 2021.3's) to 1.4.6
// (needle-mirror/com.unity.test-framework). Built per modelled version (build.sh): with TF_1_3
// it has what 1.3.x added (ITestAdaptor.Arguments in 1.3.0, TestRunnerApi.CancelTestRun in 1.3.2
// but internal), with TF_1_4 too what 1.4.0 changed (CancelTestRun public, RunStarted given the
// filtered tree); with neither it is 1.1.33's surface. The stand-in runner is in ../testrunner/.
using System;
using System.Collections.Generic;
using NUnit.Framework.Interfaces;
using UnityEditor.TestTools.TestRunner.StandIn;
using UnityEngine;

namespace UnityEditor.TestTools.TestRunner.Api
{
    [Flags]
    public enum TestMode
    {
        EditMode = 1 << 0,
        PlayMode = 1 << 1,
    }

    public enum TestStatus
    {
        Inconclusive,
        Skipped,
        Passed,
        Failed,
    }

    public enum RunState
    {
        NotRunnable,
        Runnable,
        Explicit,
        Skipped,
        Ignored,
    }

    public interface ITestAdaptor
    {
        string Id { get; }
        string Name { get; }
        string FullName { get; }
        int TestCaseCount { get; }
        bool HasChildren { get; }
        bool IsSuite { get; }
        IEnumerable<ITestAdaptor> Children { get; }
        ITestAdaptor Parent { get; }
        ITypeInfo TypeInfo { get; }
        IMethodInfo Method { get; }
#if TF_1_3
        object[] Arguments { get; }
#endif
        string[] Categories { get; }
        bool IsTestAssembly { get; }
        RunState RunState { get; }
        string SkipReason { get; }
        string ParentFullName { get; }
        TestMode TestMode { get; }
    }

    public interface ITestResultAdaptor
    {
        ITestAdaptor Test { get; }
        string Name { get; }
        string FullName { get; }
        string ResultState { get; }
        TestStatus TestStatus { get; }
        double Duration { get; }
        DateTime StartTime { get; }
        DateTime EndTime { get; }
        string Message { get; }
        string StackTrace { get; }
        int AssertCount { get; }
        int FailCount { get; }
        int PassCount { get; }
        int SkipCount { get; }
        int InconclusiveCount { get; }
        bool HasChildren { get; }
        IEnumerable<ITestResultAdaptor> Children { get; }
        string Output { get; }
    }

    public interface ICallbacks
    {
        void RunStarted(ITestAdaptor testsToRun);
        void RunFinished(ITestResultAdaptor result);
        void TestStarted(ITestAdaptor test);
        void TestFinished(ITestResultAdaptor result);
    }

    public interface IErrorCallbacks : ICallbacks
    {
        void OnError(string message);
    }

    [Serializable]
    public class Filter
    {
        public TestMode testMode;
        public string[] testNames;
        public string[] groupNames;
        public string[] categoryNames;
        public string[] assemblyNames;
        public BuildTarget? targetPlatform;
    }

    [Serializable]
    public class ExecutionSettings
    {
        public ExecutionSettings(params Filter[] filtersToExecute)
        {
            filters = filtersToExecute;
        }

        public Filter[] filters;
        public bool runSynchronously;
        public int playerHeartbeatTimeout = 60 * 10;
    }

    public class TestRunnerApi : ScriptableObject
    {
        /// <summary>Schedules the run on the editor loop; returns its id at once.</summary>
        public string Execute(ExecutionSettings executionSettings)
        {
            if (executionSettings == null) throw new ArgumentNullException("executionSettings");
            return TestJob.Start(executionSettings);
        }

        public void RegisterCallbacks<T>(T testCallbacks, int priority = 0) where T : ICallbacks
        {
            if (testCallbacks == null) throw new ArgumentNullException("testCallbacks");
            CallbacksHolder.Add(testCallbacks, priority);
        }

        public void UnregisterCallbacks<T>(T testCallbacks) where T : ICallbacks
        {
            if (testCallbacks == null) throw new ArgumentNullException("testCallbacks");
            CallbacksHolder.Remove(testCallbacks);
        }

        /// <summary>The tree comes on a later editor tick, as TestListJob delivers it.</summary>
        public void RetrieveTestList(TestMode testMode, Action<ITestAdaptor> callback)
        {
            if (callback == null) throw new ArgumentNullException("callback");
            TestListJob.Start(testMode, callback);
        }

#if TF_1_4
        public static bool CancelTestRun(string guid)
        {
            return TestJob.Cancel(guid);
        }
#elif TF_1_3
        // 1.3.2-1.3.9: only the Test Runner window (same assembly) may call it.
        internal static bool CancelTestRun(string guid)
        {
            return TestJob.Cancel(guid);
        }
#endif
    }
}
