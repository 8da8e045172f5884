using System.Linq;
using System.Text.RegularExpressions;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// Which tests a Filter runs (RuntimeTestRunnerFilter.BuildNUnitFilter): every kind given must
    /// match (AND), any value of a kind may (OR). testNames: the full name of the test or of a
    /// suite above it; groupNames: a regex on those full names; categoryNames: a regex on the
    /// categories of the test or above; assemblyNames: the test assembly's name.
    /// </summary>
    static class TestSelection
    {
        public static bool Runs(StandInTest leaf, Filter filter)
        {
            return Any(filter.testNames, name => Lineage(leaf).Any(t => t.FullName == name))
                && Any(filter.groupNames, group => Lineage(leaf).Any(t => Regex.IsMatch(t.FullName, group)))
                && Any(filter.categoryNames, category => leaf.InheritedCategories().Any(c => Regex.IsMatch(c, "^" + category + "$")))
                && Any(filter.assemblyNames, assembly => leaf.AssemblyName == assembly);
        }

        /// <summary>Removes every branch with no test that runs; true when something is left.</summary>
        public static bool Prune(StandInTest node, Filter filter)
        {
            if (!node.IsSuite) return Runs(node, filter);
            node.ChildList.RemoveAll(c => !Prune(c, filter));
            return node.ChildList.Count > 0;
        }

        static bool Any(string[] values, System.Func<string, bool> match)
        {
            return values == null || values.Length == 0 || values.Any(match);
        }

        static System.Collections.Generic.IEnumerable<StandInTest> Lineage(StandInTest test)
        {
            for (var t = test; t != null; t = t.ParentTest) yield return t;
        }
    }
}
