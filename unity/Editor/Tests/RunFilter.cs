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
    /// expressions (not anchored) on the categories of the test and the suites above it
    /// ("Uncategorized" when none), assemblies names of test assemblies. An [Explicit] test
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
                && Kind(Categories, category => AllCategories(lineage).Exists(c => Regex.IsMatch(c, category)))
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

        static List<string> AllCategories(List<ITestAdaptor> lineage)
        {
            var categories = new List<string>();
            foreach (var t in lineage)
                if (t.Categories != null) categories.AddRange(t.Categories);
            if (categories.Count == 0) categories.Add(Uncategorized);
            return categories;
        }

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
