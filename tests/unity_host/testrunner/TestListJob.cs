using System;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// RetrieveTestList: the tree goes to the callback on a later editor tick
    /// (TestRunner/Utils/TestListJob.cs steps GetTestListAsync once per update until it is
    /// done); the stand-in takes a few ticks, as building a tree does.
    /// </summary>
    sealed class TestListJob
    {
        const int Ticks = 3;

        readonly TestMode mode;
        readonly Action<ITestAdaptor> callback;
        int ticks;

        TestListJob(TestMode mode, Action<ITestAdaptor> callback)
        {
            this.mode = mode;
            this.callback = callback;
        }

        public static void Start(TestMode mode, Action<ITestAdaptor> callback)
        {
            var job = new TestListJob(mode, callback);
            EditorApplication.update += job.Tick;
        }

        void Tick()
        {
            if (++ticks < Ticks) return;
            EditorApplication.update -= Tick;
            callback(TestDiscovery.Tree(mode));
        }
    }
}
