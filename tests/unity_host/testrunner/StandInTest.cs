using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using NUnit.Framework.Interfaces;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>One node of the stand-in's test tree: a suite (root, assembly, namespace, fixture, parameterised method) or a test case.</summary>
    sealed class StandInTest : ITestAdaptor
    {
        public readonly List<StandInTest> ChildList = new List<StandInTest>();
        public string AssemblyName;     // the test assembly's name, for assembly filters
        public Type FixtureType;        // a fixture and what is under it
        public MethodInfo TestMethod;   // a test case, or a parameterised method's suite
        public object[] CaseArguments;  // a test case's arguments
        public bool Yields;             // [UnityTest]: returns IEnumerator, one step per editor tick
        public string IgnoreReason;     // [Ignore] on the method or its fixture
        public string ExplicitReason;   // [Explicit] on this method or fixture itself (null: not explicit)
        public readonly List<string> OwnCategories = new List<string>();

        public string Id { get; set; }
        public string Name { get; set; }
        public string FullName { get; set; }
        public bool IsSuite { get; set; }
        public bool IsTestAssembly { get; set; }
        public TestMode TestMode { get; set; }
        public StandInTest ParentTest { get; set; }

        public int TestCaseCount
        {
            get
            {
                if (!IsSuite) return 1;
                int n = 0;
                foreach (var c in ChildList) n += c.TestCaseCount;
                return n;
            }
        }

        public bool HasChildren { get { return ChildList.Count > 0; } }
        public IEnumerable<ITestAdaptor> Children { get { foreach (var c in ChildList) yield return c; } }
        public ITestAdaptor Parent { get { return ParentTest; } }
        public ITypeInfo TypeInfo { get { return FixtureType != null ? new TypeWrapper(FixtureType) : null; } }
        public IMethodInfo Method { get { return TestMethod != null ? new MethodWrapper(FixtureType, TestMethod) : null; } }
#if TF_1_3
        public object[] Arguments { get { return CaseArguments ?? new object[0]; } }
#endif
        /// <summary>
        /// As TestAdaptor gives them: GetAllCategoriesFromTest, distinct. From 1.3.5 the node's own
        /// and then its ancestors', "Uncategorized" for a test with none; before, the ancestors'
        /// first, and "Uncategorized" for a test with none whose parent has none either.
        /// </summary>
        public string[] Categories
        {
            get
            {
                var all = new List<string>();
#if TF_1_3
                all.AddRange(InheritedCategories());
                if (all.Count == 0 && !IsSuite) all.Add(TestSelection.Uncategorized);
#else
                for (var t = this; t != null; t = t.ParentTest) all.InsertRange(0, t.OwnOrUncategorized());
#endif
                return all.Distinct().ToArray();
            }
        }

        /// <summary>Before 1.3.5 (GetTestCategories): a test with no category of its own, under a parent with none, is "Uncategorized".</summary>
        public List<string> OwnOrUncategorized()
        {
            if (OwnCategories.Count == 0 && !IsSuite && ParentTest != null && ParentTest.OwnCategories.Count == 0)
                return new List<string> { TestSelection.Uncategorized };
            return OwnCategories;
        }
        public bool IsExplicit { get { return ExplicitReason != null; } }
        public RunState RunState { get { return IgnoreReason != null ? RunState.Ignored : IsExplicit ? RunState.Explicit : RunState.Runnable; } }
        public string SkipReason { get { return IgnoreReason ?? ExplicitReason ?? ""; } }
        public string ParentFullName { get { return ParentTest != null ? ParentTest.FullName : ""; } }

        /// <summary>This node's categories and its ancestors' (NUnit applies a fixture's category to its tests).</summary>
        public IEnumerable<string> InheritedCategories()
        {
            for (var t = this; t != null; t = t.ParentTest)
                foreach (var c in t.OwnCategories) yield return c;
        }

        sealed class TypeWrapper : ITypeInfo
        {
            readonly Type type;

            public TypeWrapper(Type type) { this.type = type; }

            public Type Type { get { return type; } }
            public string Name { get { return type.Name; } }
            public string FullName { get { return type.FullName; } }
            public string Namespace { get { return type.Namespace; } }
            public Assembly Assembly { get { return type.Assembly; } }
        }

        sealed class MethodWrapper : IMethodInfo
        {
            readonly Type type;
            readonly MethodInfo method;

            public MethodWrapper(Type type, MethodInfo method)
            {
                this.type = type;
                this.method = method;
            }

            public ITypeInfo TypeInfo { get { return new TypeWrapper(type); } }
            public MethodInfo MethodInfo { get { return method; } }
            public string Name { get { return method.Name; } }
        }
    }
}
