using System;
using System.Collections.Generic;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>A test's or a suite's result; a suite's counts add up its children's.</summary>
    sealed class StandInResult : ITestResultAdaptor
    {
        public readonly List<StandInResult> ChildList = new List<StandInResult>();
        public StandInTest TestNode;
        public TestStatus Status;
        public string Label = "";
        public double Seconds;
        public DateTime Started;
        public DateTime Ended;
        public string Text = "";
        public string Stack = "";
        public string Printed = "";
        public bool Recorded; // an exception decided the status

        public ITestAdaptor Test { get { return TestNode; } }
        public string Name { get { return TestNode.Name; } }
        public string FullName { get { return TestNode.FullName; } }
        public string ResultState { get { return Label.Length > 0 ? Status + ":" + Label : Status.ToString(); } }
        public TestStatus TestStatus { get { return Status; } }
        public double Duration { get { return Seconds; } }
        public DateTime StartTime { get { return Started; } }
        public DateTime EndTime { get { return Ended; } }
        public string Message { get { return Text; } }
        public string StackTrace { get { return Stack; } }
        public int AssertCount { get { return 0; } }
        public int FailCount { get { return Count(TestStatus.Failed); } }
        public int PassCount { get { return Count(TestStatus.Passed); } }
        public int SkipCount { get { return Count(TestStatus.Skipped); } }
        public int InconclusiveCount { get { return Count(TestStatus.Inconclusive); } }
        public bool HasChildren { get { return ChildList.Count > 0; } }
        public IEnumerable<ITestResultAdaptor> Children { get { foreach (var c in ChildList) yield return c; } }
        public string Output { get { return Printed; } }

        int Count(TestStatus status)
        {
            if (!TestNode.IsSuite) return Status == status ? 1 : 0;
            int n = 0;
            foreach (var c in ChildList) n += c.Count(status);
            return n;
        }

        /// <summary>A suite's status from its children's, as NUnit rolls it up.</summary>
        public void RollUp()
        {
            Status = FailCount > 0 ? TestStatus.Failed
                : PassCount > 0 ? TestStatus.Passed
                : SkipCount > 0 ? TestStatus.Skipped : TestStatus.Inconclusive;
            Seconds = 0;
            foreach (var c in ChildList) Seconds += c.Seconds;
        }
    }
}
