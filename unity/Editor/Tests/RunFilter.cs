using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityNvim.Tests
{
    /// <summary>
    /// The filter of the run Neovim started, kept with the run. Before Test Framework 1.4.0
    /// RunStarted gets the whole tree of the mode, not the filtered one (Api/CallbacksDelegator.cs,
    /// RunStarted: `m_AdaptorFactory.Create(testsToRun)`; 1.4.0+ passes the run's filter), so
    /// there the number of tests to run is counted here, with the rules of
    /// RuntimeTestRunnerFilter.BuildNUnitFilter: every kind given must match; within a kind any
    /// value may, and a value starting with `!` excludes what it matches. Names are full names of
    /// the test or a suite above it, groups regular expressions on those, categories regular
    /// expressions (not anchored) on categories (CategoryFilterExtended: in 1.3.5-1.4.x any of the
    /// test's, which ITestAdaptor.Categories lists with the suites' above and "Uncategorized"
    /// when none; before, a suite's or test's own, a test under a suite with categories only
    /// through it, and "Uncategorized" as a plain name for a test with none), assemblies names
    /// of test assemblies. An [Explicit] test
    /// counts when the filter has some kind (it runs, or is skipped as Explicit); a filter with
    /// none is NUnit's empty filter there, which leaves explicit tests out of the run.
    /// </summary>
    internal sealed class RunFilter
    {
        const char Sep = '\u001f';
        const string Uncategorized = "Uncategorized";

        public string[] Names;
        public string[] Groups;
        public string[] Categories;
        public string[] Assemblies;

        public Filter ToFilter(TestMode mode)
        {
            return new Filter { testMode = mode, testNames = Names, groupNames = Groups, categoryNames = Categories, assemblyNames = Assemblies };
        }

        /// <summary>The leaf tests under `test`, the tree RunStarted got, that the run runs or reports.</summary>
        public int Leaves(ITestAdaptor test)
        {
#if UNITY_NVIM_TEST_FILTERED_TREE
            if (!test.IsSuite) return 1; // 1.4.0+: the tree is the run's already
#else
            if (!test.IsSuite) return Runs(test) ? 1 : 0;
#endif
            int n = 0;
            if (test.HasChildren)
                foreach (var child in test.Children) n += Leaves(child);
            return n;
        }

#if !UNITY_NVIM_TEST_FILTERED_TREE
        bool Runs(ITestAdaptor test)
        {
            var lineage = Lineage(test);
            if (Empty(Names) && Empty(Groups) && Empty(Categories) && Empty(Assemblies))
                return !lineage.Exists(t => t.RunState == RunState.Explicit);
            return Kind(Names, name => lineage.Exists(t => t.FullName == name))
                && Kind(Groups, group => lineage.Exists(t => Regex.IsMatch(t.FullName ?? "", group)))
                && Kind(Categories, category => InCategory(lineage, category))
                && Kind(Assemblies, assembly => test.TypeInfo != null && test.TypeInfo.Assembly.GetName().Name == assembly);
        }

        static bool Empty(string[] values)
        {
            return values == null || values.Length == 0;
        }

        static bool Kind(string[] values, Predicate<string> match)
        {
            if (Empty(values)) return true;
            bool included = false, anyIncluded = false;
            foreach (var value in values)
            {
                if (value.StartsWith("!", StringComparison.Ordinal))
                {
                    if (match(value.Substring(1))) return false;
                    continue;
                }
                anyIncluded = true;
                included = included || match(value);
            }
            return included || !anyIncluded;
        }

#if UNITY_NVIM_TEST_CATEGORIES_INHERITED
        static bool InCategory(List<ITestAdaptor> lineage, string pattern)
        {
            return lineage[0].Categories != null && Array.Exists(lineage[0].Categories, c => Regex.IsMatch(c, pattern));
        }
#else
        static bool InCategory(List<ITestAdaptor> lineage, string pattern)
        {
            for (int i = 0; i < lineage.Count; i++)
            {
                var node = lineage[i];
                var parent = i + 1 < lineage.Count ? lineage[i + 1] : null;
                var own = Own(node, parent);
                if (!node.IsSuite)
                {
                    if (parent != null && Own(parent, i + 2 < lineage.Count ? lineage[i + 2] : null).Count > 0) continue;
                    if (own.Count == 0 && pattern == Uncategorized) return true;
                }
                if (own.Exists(c => Regex.IsMatch(c, pattern))) return true;
            }
            return false;
        }

        /// <summary>A node's own categories: ITestAdaptor.Categories lists its ancestors' too, and "Uncategorized".</summary>
        static List<string> Own(ITestAdaptor node, ITestAdaptor parent)
        {
            var own = new List<string>();
            if (node.Categories == null) return own;
            foreach (var c in node.Categories)
                if (c != Uncategorized && (parent == null || parent.Categories == null || Array.IndexOf(parent.Categories, c) < 0)) own.Add(c);
            return own;
        }
#endif

        static List<ITestAdaptor> Lineage(ITestAdaptor test)
        {
            var lineage = new List<ITestAdaptor>();
            for (var t = test; t != null; t = t.Parent) lineage.Add(t);
            return lineage;
        }
#endif

        /// <summary>One line, for SessionState.</summary>
        public string Save()
        {
            return string.Join("\n", new[] { Join(Names), Join(Groups), Join(Categories), Join(Assemblies) });
        }

        public static RunFilter Load(string saved)
        {
            var parts = saved.Split('\n');
            if (parts.Length != 4) return new RunFilter();
            return new RunFilter { Names = Split(parts[0]), Groups = Split(parts[1]), Categories = Split(parts[2]), Assemblies = Split(parts[3]) };
        }

        static string Join(string[] values)
        {
            return values == null ? "" : string.Join(Sep.ToString(), values);
        }

        static string[] Split(string joined)
        {
            return joined.Length == 0 ? null : joined.Split(Sep);
        }
    }
}
