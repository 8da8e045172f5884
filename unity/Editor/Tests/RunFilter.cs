using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityNvim.Tests
{
    /// <summary>
    /// The filter of the run Neovim started, kept with the run: Test Framework before 1.4.0 hands
    /// RunStarted the whole tree of the mode, not the filtered one (Api/CallbacksDelegator.cs,
    /// RunStarted: `m_AdaptorFactory.Create(testsToRun)`; 1.4.0+ passes the run's filter), so the
    /// number of tests to run is counted here, with the Filter's rules
    /// (RuntimeTestRunnerFilter.BuildNUnitFilter): every kind given must match, any value of a
    /// kind may; names are full names of the test or a suite above it, groups and categories
    /// regular expressions, assemblies names of test assemblies.
    /// </summary>
    internal sealed class RunFilter
    {
        const char Sep = '\u001f';

        public string[] Names;
        public string[] Groups;
        public string[] Categories;
        public string[] Assemblies;

        public Filter ToFilter(TestMode mode)
        {
            return new Filter { testMode = mode, testNames = Names, groupNames = Groups, categoryNames = Categories, assemblyNames = Assemblies };
        }

        /// <summary>The leaf tests under `test` that the run runs.</summary>
        public int Leaves(ITestAdaptor test)
        {
            if (!test.IsSuite) return Runs(test) ? 1 : 0;
            int n = 0;
            if (test.HasChildren)
                foreach (var child in test.Children) n += Leaves(child);
            return n;
        }

        bool Runs(ITestAdaptor test)
        {
            return Any(Names, name => Lineage(test).Exists(t => t.FullName == name))
                && Any(Groups, group => Lineage(test).Exists(t => Regex.IsMatch(t.FullName ?? "", group)))
                && Any(Categories, category => Lineage(test).Exists(t => t.Categories != null && Array.Exists(t.Categories, c => Regex.IsMatch(c, "^" + category + "$"))))
                && Any(Assemblies, assembly => test.TypeInfo != null && test.TypeInfo.Assembly.GetName().Name == assembly);
        }

        static bool Any(string[] values, Predicate<string> match)
        {
            return values == null || values.Length == 0 || Array.Exists(values, match);
        }

        static List<ITestAdaptor> Lineage(ITestAdaptor test)
        {
            var lineage = new List<ITestAdaptor>();
            for (var t = test; t != null; t = t.Parent) lineage.Add(t);
            return lineage;
        }

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
