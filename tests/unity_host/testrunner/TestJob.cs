using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// The stand-in for TestJobRunner: one run at a time, stepped on EditorApplication.update
    /// (the main thread), calling back in Unity's order: RunStarted, then TestStarted and
    /// TestFinished for every suite and test depth first, then RunFinished (TaskList.cs:
    /// RunStartedInvocationEvent, EditModeRunTask, RunFinishedInvocationEvent). Synchronous
    /// tests run back to back within a tick's budget; a [UnityTest] advances one yield per tick.
    /// A PlayMode run first enters play mode, which reloads the script domain (EnterPlayModeTask):
    /// the job is kept in SessionState, as Unity keeps it in TestJobDataHolder, and the next
    /// domain runs the tests (PlayModeRunTask), then leaves play mode (ExitPlayModeTask). A
    /// cancelled run stops before its next step and calls nothing back again.
    /// </summary>
    [InitializeOnLoad]
    static class TestJob
    {
        const string SavedKey = "UnityHost.TestJob";
        const int BudgetMs = 20;
        const char Sep = '\u001f';

        enum Step { Start, Leaf, End }

        struct Op
        {
            public Step Kind;
            public StandInTest Node;
        }

        sealed class Job
        {
            public string Guid;
            public Filter Filter;
            public bool Cancelled;
            public bool StopRequested; // 1.1.33's window: NUnit winds the run down
            public bool InPlayMode;
            public List<Op> Ops;
            public int Pc;
            public StandInTest Root;
            public readonly Dictionary<StandInTest, StandInResult> Results = new Dictionary<StandInTest, StandInResult>();
            public readonly Dictionary<Type, object> Fixtures = new Dictionary<Type, object>();
            // The [UnityTest] being stepped, its result and clock.
            public IEnumerator Stepping;
            public StandInResult SteppingResult;
            public Stopwatch SteppingClock;
        }

        static Job job;

        static TestJob()
        {
            // A PlayMode run whose domain reload (entering play mode) just happened: run its tests now.
            string saved = SessionState.GetString(SavedKey, "");
            if (saved.Length == 0) return;
            SessionState.EraseString(SavedKey);
            var parts = saved.Split('\n');
            job = new Job
            {
                Guid = parts[0],
                InPlayMode = true,
                Filter = new Filter
                {
                    testMode = TestMode.PlayMode,
                    testNames = List(parts[1]),
                    groupNames = List(parts[2]),
                    categoryNames = List(parts[3]),
                    assemblyNames = List(parts[4]),
                },
            };
            EditorApplication.update += Tick;
        }

        public static string Start(ExecutionSettings settings)
        {
            if (job != null) throw new Exception("TestJobRunner is already running a job.");
            var filter = settings.filters != null && settings.filters.Length > 0 ? settings.filters[0] : new Filter { testMode = TestMode.EditMode };
            job = new Job { Guid = System.Guid.NewGuid().ToString(), Filter = filter };
            EditorApplication.update += Tick;
            return job.Guid;
        }

        /// <summary>The guid of the run going on (a cancelled one until it has stopped), null when none.</summary>
        public static string Running { get { return job != null ? job.Guid : null; } }

        public static bool Cancel(string guid)
        {
            if (job == null || job.Guid != guid || job.Cancelled) return false;
            job.Cancelled = true;
            return true;
        }

        /// <summary>
        /// 1.1.33's Cancel (EditModeRunner.OnRunCancel: UnityTestAssemblyRunner.StopRun, a
        /// TestExecutionStatus.StopRequested): the runner goes on ticking, each suite still open
        /// ends "Failed:Cancelled" (CompositeWorkItem.CheckForCancellation) and RunFinished comes
        /// with the root's result (EditModeRunner.CompleteTestRun). The [UnityTest] being stepped
        /// is dropped without a result (not modelled).
        /// </summary>
        public static bool StopRun(string guid)
        {
            if (job == null || job.Guid != guid || job.Cancelled || job.StopRequested) return false;
            job.StopRequested = true;
            return true;
        }

        static void WindDown()
        {
            var open = new List<StandInTest>();
            if (job.Ops != null)
            {
                // The root work item checks for cancellation first thing, started or not.
                if (!job.Results.ContainsKey(job.Root)) job.Results[job.Root] = new StandInResult { TestNode = job.Root, Started = DateTime.Now };
                for (int i = job.Pc; i < job.Ops.Count; i++)
                    if (job.Ops[i].Kind == Step.End && job.Results.ContainsKey(job.Ops[i].Node)) open.Add(job.Ops[i].Node);
            }
            foreach (var suite in open)
            {
                var result = job.Results[suite];
                result.RollUp();
                result.Status = TestStatus.Failed;
                result.Label = "Cancelled";
                result.Text = "Test cancelled by user";
                result.Ended = DateTime.Now;
                Finished(result);
            }
            StandInResult root;
            if (job.Root != null && job.Results.TryGetValue(job.Root, out root)) CallbacksHolder.Invoke(c => c.RunFinished(root));
            bool leavePlayMode = job.InPlayMode;
            Stop();
            if (leavePlayMode) EditorApplication.ExitPlaymode();
        }

        static void Tick()
        {
            var clock = Stopwatch.StartNew();
            while (job != null && clock.ElapsedMilliseconds < BudgetMs)
            {
                if (job.Cancelled)
                {
                    Stop();
                    return;
                }
                if (job.StopRequested)
                {
                    WindDown();
                    return;
                }
                if (job.Filter.testMode == TestMode.PlayMode && !job.InPlayMode)
                {
                    EnterPlayMode();
                    return;
                }
                if (job.Stepping != null)
                {
                    Advance();
                    if (job != null && job.Stepping != null) return; // it yielded: the next step on the next tick
                    continue;
                }
                if (job.Ops == null)
                {
                    Begin();
                    continue;
                }
                if (job.Pc == job.Ops.Count)
                {
                    var root = job.Results[job.Root];
                    CallbacksHolder.Invoke(c => c.RunFinished(root));
                    bool leavePlayMode = job.InPlayMode;
                    Stop();
                    if (leavePlayMode) EditorApplication.ExitPlaymode();
                    return;
                }
                var op = job.Ops[job.Pc++];
                if (op.Kind == Step.Start) StartSuite(op.Node);
                else if (op.Kind == Step.End) EndSuite(op.Node);
                else RunLeaf(op.Node);
            }
        }

        static void Stop()
        {
            EditorApplication.update -= Tick;
            job = null;
        }

        static void EnterPlayMode()
        {
            var f = job.Filter;
            SessionState.SetString(SavedKey, string.Join("\n", new[] { job.Guid, Join(f.testNames), Join(f.groupNames), Join(f.categoryNames), Join(f.assemblyNames) }));
            Stop(); // this domain ends; the next one takes the job from SessionState
            EditorApplication.EnterPlaymode();
        }

        static void Begin()
        {
            job.Root = TestDiscovery.Tree(job.Filter.testMode);
            TestSelection.Prune(job.Root, job.Filter);
            job.Ops = new List<Op>();
            Plan(job.Root, job.Ops);
#if TF_1_4
            var announced = job.Root; // 1.4.0+: the tree with the run's filter (CallbacksDelegator.RunStarted)
#else
            var announced = TestDiscovery.Tree(job.Filter.testMode); // 1.1.x-1.3.x: the mode's whole tree
#endif
            CallbacksHolder.Invoke(c => c.RunStarted(announced));
        }

        static void Plan(StandInTest node, List<Op> ops)
        {
            if (!node.IsSuite)
            {
                ops.Add(new Op { Kind = Step.Leaf, Node = node });
                return;
            }
            ops.Add(new Op { Kind = Step.Start, Node = node });
            foreach (var child in node.ChildList) Plan(child, ops);
            ops.Add(new Op { Kind = Step.End, Node = node });
        }

        static void StartSuite(StandInTest suite)
        {
            job.Results[suite] = new StandInResult { TestNode = suite, Started = DateTime.Now };
            CallbacksHolder.Invoke(c => c.TestStarted(suite));
        }

        static void EndSuite(StandInTest suite)
        {
            var result = job.Results[suite];
            result.RollUp();
            result.Ended = DateTime.Now;
            Finished(result);
        }

        static void Finished(StandInResult result)
        {
            StandInResult parent;
            if (result.TestNode.ParentTest != null && job.Results.TryGetValue(result.TestNode.ParentTest, out parent))
                parent.ChildList.Add(result);
            CallbacksHolder.Invoke(c => c.TestFinished(result));
        }

        static void RunLeaf(StandInTest test)
        {
            CallbacksHolder.Invoke(c => c.TestStarted(test));
            var result = new StandInResult { TestNode = test, Started = DateTime.Now };
            if (test.IgnoreReason != null)
            {
                result.Status = TestStatus.Skipped;
                result.Label = "Ignored";
                result.Text = test.IgnoreReason;
                Complete(result, null);
                return;
            }
            if (!TestSelection.RunsExplicitly(test, job.Filter))
            {
                result.Status = TestStatus.Skipped;
                result.Label = "Explicit";
                result.Text = ExplicitReason(test);
                Complete(result, null);
                return;
            }
            var clock = Stopwatch.StartNew();
            object fixture = null;
            object returned = Guarded(result, () =>
            {
                fixture = Fixture(test.FixtureType);
                Call(fixture, "SetUpAttribute");
                return test.TestMethod.Invoke(fixture, test.CaseArguments);
            });
            var steps = returned as IEnumerator;
            if (test.Yields && steps != null && !result.Recorded)
            {
                job.Stepping = steps;
                job.SteppingResult = result;
                job.SteppingClock = clock;
                Advance();
                return;
            }
            Guarded(result, () => { if (fixture != null) Call(fixture, "TearDownAttribute"); return null; });
            result.Seconds = clock.Elapsed.TotalSeconds;
            Complete(result, result.Recorded ? (TestStatus?)null : TestStatus.Passed);
        }

        /// <summary>One yield of the [UnityTest] being stepped; finishes it when it ends or throws.</summary>
        static void Advance()
        {
            var result = job.SteppingResult;
            bool more = false;
            Guarded(result, () => { more = job.Stepping.MoveNext(); return null; });
            if (more && !result.Recorded) return;
            var test = (StandInTest)result.Test;
            job.Stepping = null;
            object fixture;
            if (job.Fixtures.TryGetValue(test.FixtureType, out fixture))
                Guarded(result, () => { Call(fixture, "TearDownAttribute"); return null; });
            result.Seconds = job.SteppingClock.Elapsed.TotalSeconds;
            Complete(result, result.Recorded ? (TestStatus?)null : TestStatus.Passed);
        }

        static string ExplicitReason(StandInTest test)
        {
            for (var t = test; t != null; t = t.ParentTest)
                if (t.IsExplicit) return t.ExplicitReason;
            return "";
        }

        static void Complete(StandInResult result, TestStatus? status)
        {
            if (status.HasValue) result.Status = status.Value;
            result.Ended = DateTime.Now;
            Finished(result);
        }

        /// <summary>Runs test code with Console output captured; an exception becomes the result as NUnit reports it.</summary>
        static object Guarded(StandInResult result, Func<object> code)
        {
            var output = new StringWriter();
            var console = Console.Out;
            Console.SetOut(output);
            try
            {
                return code();
            }
            catch (Exception e)
            {
                Record(result, e is TargetInvocationException && e.InnerException != null ? e.InnerException : e);
                return null;
            }
            finally
            {
                Console.SetOut(console);
                result.Printed += output.ToString();
            }
        }

        static void Record(StandInResult result, Exception e)
        {
            if (result.Recorded) return; // the first failure is the test's
            result.Recorded = true;
            string kind = Kind(e.GetType());
            result.Status = kind == "AssertionException" ? TestStatus.Failed
                : kind == "IgnoreException" ? TestStatus.Skipped
                : kind == "InconclusiveException" ? TestStatus.Inconclusive
                : kind == "SuccessException" ? TestStatus.Passed : TestStatus.Failed;
            result.Label = kind == null ? "Error" : "";
            result.Text = kind == null ? e.GetType().FullName + " : " + e.Message : e.Message;
            result.Stack = Filtered(e.StackTrace);
        }

        /// <summary>The NUnit exception a result status comes from, by name: the runner is not built against NUnit.</summary>
        static string Kind(Type type)
        {
            for (var t = type; t != null; t = t.BaseType)
                if (t.Namespace == "NUnit.Framework" && t.Name.EndsWith("Exception", StringComparison.Ordinal)) return t.Name;
            return null;
        }

        /// <summary>NUnit's StackFilter: NUnit's own frames on top are left out, and the frames of the reflection call below the test.</summary>
        static string Filtered(string stack)
        {
            if (stack == null) return "";
            var lines = stack.Split('\n')
                .SkipWhile(l => l.TrimStart().StartsWith("at NUnit.Framework.", StringComparison.Ordinal))
                .TakeWhile(l => !l.Contains("System.Reflection.") && !l.Contains("System.RuntimeMethodHandle."));
            return string.Join("\n", lines.ToArray());
        }

        static object Fixture(Type type)
        {
            object fixture;
            if (!job.Fixtures.TryGetValue(type, out fixture))
            {
                fixture = Activator.CreateInstance(type);
                job.Fixtures[type] = fixture;
            }
            return fixture;
        }

        /// <summary>Calls the fixture's methods marked NUnit.Framework.&lt;attribute&gt; ([SetUp], [TearDown]).</summary>
        static void Call(object fixture, string attribute)
        {
            foreach (var m in fixture.GetType().GetMethods())
                if (TestDiscovery.Attributes(m).Any(a => TestDiscovery.Named(a, "NUnit.Framework." + attribute)))
                    m.Invoke(fixture, null);
        }

        static string Join(string[] values)
        {
            return values == null ? "" : string.Join(Sep.ToString(), values);
        }

        static string[] List(string joined)
        {
            return joined.Length == 0 ? null : joined.Split(Sep);
        }
    }
}
