using System;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>RetrieveTestList: the tree goes to the callback on the next editor tick (TestRunner/Utils/TestListJob.cs).</summary>
    sealed class TestListJob
    {
        readonly TestMode mode;
        readonly Action<ITestAdaptor> callback;

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
            EditorApplication.update -= Tick;
            callback(TestDiscovery.Tree(mode));
        }
    }
}
