using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// Which tests a Filter runs (RuntimeTestRunnerFilter.BuildNUnitFilter, AddFilters): every
    /// kind given must match (AND); within a kind any value may (OR), and a value starting with
    /// `!` excludes what it matches (NotFilter). testNames: the full name of the test or of a
    /// suite above it; groupNames: a regex on those full names; categoryNames: a regex, not
    /// anchored (NUnit's ValueMatchFilter with IsRegex), from 1.3.5 on any category of the test
    /// and the suites above it, "Uncategorized" when there are none (CategoryFilterExtended,
    /// GetAllCategoriesFromTest); before 1.3.5 on a node's own categories, where a test whose
    /// parent has categories matches only through its parent, and "Uncategorized" (compared as
    /// a string, not a regex) matches a test with none; assemblyNames: the test assembly's name.
    /// An [Explicit] test (or fixture) takes part only when the filter passes it: before 1.4.0 a
    /// Filter with no kinds is NUnit's TestFilter.Empty, which passes no explicit test; from
    /// 1.4.0 the mode's EditorOnlyFilter is always there and passes it. Taking part, it runs only
    /// when the filter selects it explicitly (IsExplicitMatch: each kind given matches it or a
    /// test below it, and no kind has an exclusion, as a NotFilter never selects explicitly);
    /// else it is skipped as Explicit (TestCommandBuilder.BuildTestCommand, CompositeWorkItem).
    /// </summary>
    static class TestSelection
    {
        public const string Uncategorized = "Uncategorized";

        public static bool Passes(StandInTest leaf, Filter filter)
        {
            if (NoKinds(filter))
            {
#if TF_1_4
                return true;
#else
                return Explicit(leaf) == null;
#endif
            }
            return Kind(filter.testNames, v => Lineage(leaf).Any(t => t.FullName == v))
                && Kind(filter.groupNames, v => Lineage(leaf).Any(t => Regex.IsMatch(t.FullName, v)))
                && Kind(filter.categoryNames, v => Lineage(leaf).Any(t => CategoryMatches(t, v)))
                && Kind(filter.assemblyNames, v => leaf.AssemblyName == v);
        }

        /// <summary>False for a leaf under [Explicit] that the filter does not select explicitly: it is skipped.</summary>
        public static bool RunsExplicitly(StandInTest leaf, Filter filter)
        {
            var marked = Explicit(leaf);
            if (marked == null) return true;
            if (NoKinds(filter)) return false;
            var below = Below(marked).ToList();
            return Selects(filter.testNames, v => below.Any(t => t.FullName == v))
                && Selects(filter.groupNames, v => below.Any(t => Regex.IsMatch(t.FullName, v)))
                && Selects(filter.categoryNames, v => below.Any(t => CategoryMatches(t, v)))
                && Selects(filter.assemblyNames, v => marked.AssemblyName == v);
        }

        /// <summary>Removes every branch with no test that takes part; true when something is left.</summary>
        public static bool Prune(StandInTest node, Filter filter)
        {
            if (!node.IsSuite) return Passes(node, filter);
            node.ChildList.RemoveAll(c => !Prune(c, filter));
            return node.ChildList.Count > 0;
        }

        static bool NoKinds(Filter filter)
        {
            return Empty(filter.testNames) && Empty(filter.groupNames) && Empty(filter.categoryNames) && Empty(filter.assemblyNames);
        }

        static bool Empty(string[] values)
        {
            return values == null || values.Length == 0;
        }

        static bool Kind(string[] values, System.Func<string, bool> match)
        {
            if (Empty(values)) return true;
            var included = values.Where(v => !v.StartsWith("!")).ToList();
            return (included.Count == 0 || included.Any(match))
                && !values.Where(v => v.StartsWith("!")).Any(v => match(v.Substring(1)));
        }

        static bool Selects(string[] values, System.Func<string, bool> match)
        {
            return Empty(values) || (!values.Any(v => v.StartsWith("!")) && values.Any(match));
        }

        /// <summary>CategoryFilterExtended.Match: the node itself; Pass also takes a match above it.</summary>
        static bool CategoryMatches(StandInTest node, string pattern)
        {
#if TF_1_3
            return node.Categories.Any(c => Regex.IsMatch(c, pattern));
#else
            // Before 1.3.5: own categories only; a test whose parent has some, only through it.
            if (!node.IsSuite && node.ParentTest != null && node.ParentTest.OwnCategories.Count > 0) return false;
            if (!node.IsSuite && node.OwnCategories.Count == 0 && pattern == Uncategorized) return true;
            return node.OwnCategories.Any(c => Regex.IsMatch(c, pattern));
#endif
        }

        static StandInTest Explicit(StandInTest leaf)
        {
            return Lineage(leaf).FirstOrDefault(t => t.IsExplicit);
        }

        static IEnumerable<StandInTest> Lineage(StandInTest test)
        {
            for (var t = test; t != null; t = t.ParentTest) yield return t;
        }

        static IEnumerable<StandInTest> Below(StandInTest node)
        {
            yield return node;
            foreach (var child in node.ChildList)
                foreach (var t in Below(child)) yield return t;
        }
    }
}
