using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using UnityEditor.Compilation;
using UnityEditor.TestTools.TestRunner.Api;
using UnityEngine;

namespace UnityEditor.TestTools.TestRunner.StandIn
{
    /// <summary>
    /// The test tree of the project's test assemblies: every assembly of
    /// CompilationPipeline.GetAssemblies that references nunit.framework (Debian's NUnit 2.6,
    /// whose attributes Unity's tests use too) and has been built into Library/ScriptAssemblies,
    /// found by reflection as NUnit 3 builds it: root (the project), assembly ("Name.dll"), one
    /// suite per namespace part, fixture, method; a method with [TestCase]s is a suite of cases
    /// named `Method(1,"a")`. Editor assemblies (an Editor-only asmdef, Assembly-CSharp-Editor)
    /// hold EditMode tests, the others PlayMode tests, as in Unity.
    /// </summary>
    static class TestDiscovery
    {
        const string NUnit = "NUnit.Framework.";
        const string UnityTest = "UnityEngine.TestTools.UnityTestAttribute";

        public static string Project { get { return Path.GetDirectoryName(Path.GetFullPath(Application.dataPath)); } }

        public static StandInTest Tree(TestMode mode)
        {
            int ids = 1000;
            string project = Project;
            var root = Suite(null, Path.GetFileName(project), Path.GetFileName(project), mode, ref ids);
            foreach (var info in CompilationPipeline.GetAssemblies(AssembliesType.Editor).OrderBy(a => a.name, StringComparer.Ordinal))
            {
                if (!info.compiledAssemblyReferences.Any(r => Path.GetFileName(r) == "nunit.framework.dll")) continue;
                bool editMode = (info.flags & AssemblyFlags.EditorAssembly) != 0;
                if (editMode != (mode == TestMode.EditMode)) continue;
                string path = Path.Combine(project, info.outputPath);
                if (!File.Exists(path)) continue; // not built (a compile error, or none yet)
                System.Reflection.Assembly assembly;
                try
                {
                    assembly = System.Reflection.Assembly.LoadFrom(path);
                }
                catch (Exception e)
                {
                    Debug.LogWarning("[test runner] cannot load " + path + ": " + e.Message);
                    continue;
                }
                string name = info.name;
                var suite = Suite(root, name + ".dll", path, mode, ref ids);
                suite.IsTestAssembly = true;
                suite.AssemblyName = name;
                foreach (var type in assembly.GetTypes().Where(IsFixture).OrderBy(t => t.FullName, StringComparer.Ordinal))
                    AddFixture(suite, type, mode, ref ids);
            }
            return root;
        }

        static bool IsFixture(Type type)
        {
            return type.IsClass && type.IsPublic && !type.IsAbstract && type.GetMethods().Any(IsTest);
        }

        static bool IsTest(MethodInfo method)
        {
            return Attributes(method).Any(a => Named(a, NUnit + "TestAttribute") || Named(a, NUnit + "TestCaseAttribute") || Named(a, UnityTest));
        }

        static void AddFixture(StandInTest assembly, Type type, TestMode mode, ref int ids)
        {
            var parent = assembly;
            string space = "";
            foreach (var part in (type.Namespace ?? "").Split(new[] { '.' }, StringSplitOptions.RemoveEmptyEntries))
            {
                space = space.Length == 0 ? part : space + "." + part;
                parent = parent.ChildList.FirstOrDefault(c => c.FullName == space && c.FixtureType == null) ?? Suite(parent, part, space, mode, ref ids);
            }
            var fixture = Suite(parent, type.Name, type.FullName, mode, ref ids);
            fixture.FixtureType = type;
            fixture.IgnoreReason = IgnoreReason(type);
            fixture.ExplicitReason = ExplicitReason(type);
            fixture.OwnCategories.AddRange(Categories(type));
            foreach (var method in type.GetMethods().Where(IsTest).OrderBy(m => m.MetadataToken))
            {
                var cases = Attributes(method).Where(a => Named(a, NUnit + "TestCaseAttribute")).ToList();
                var node = cases.Count == 0 ? new StandInTest { IsSuite = false } : Suite(null, method.Name, type.FullName + "." + method.Name, mode, ref ids);
                node.Name = method.Name;
                node.FullName = type.FullName + "." + method.Name;
                Fill(node, fixture, method, mode, ref ids);
                foreach (var c in cases)
                {
                    var arguments = (object[])c.GetType().GetProperty("Arguments").GetValue(c, null) ?? new object[0];
                    string label = method.Name + "(" + string.Join(",", arguments.Select(Display).ToArray()) + ")";
                    var leaf = new StandInTest { Name = label, FullName = type.FullName + "." + label, CaseArguments = arguments };
                    Fill(leaf, node, method, mode, ref ids);
                }
            }
        }

        static void Fill(StandInTest node, StandInTest parent, MethodInfo method, TestMode mode, ref int ids)
        {
            node.Id = (ids++).ToString(CultureInfo.InvariantCulture);
            node.TestMode = mode;
            node.ParentTest = parent;
            node.AssemblyName = parent.AssemblyName;
            node.FixtureType = parent.FixtureType;
            node.TestMethod = method;
            node.Yields = Attributes(method).Any(a => Named(a, UnityTest));
            node.IgnoreReason = IgnoreReason(method) ?? parent.IgnoreReason;
            if (parent.TestMethod == null) node.ExplicitReason = ExplicitReason(method);
            if (parent.TestMethod == null) node.OwnCategories.AddRange(Categories(method));
            parent.ChildList.Add(node);
        }

        static StandInTest Suite(StandInTest parent, string name, string fullName, TestMode mode, ref int ids)
        {
            var suite = new StandInTest
            {
                Id = (ids++).ToString(CultureInfo.InvariantCulture),
                Name = name,
                FullName = fullName,
                IsSuite = true,
                TestMode = mode,
                ParentTest = parent,
            };
            if (parent != null)
            {
                suite.AssemblyName = parent.AssemblyName;
                parent.ChildList.Add(suite);
            }
            return suite;
        }

        /// <summary>An argument as NUnit 3 writes it in a case's name.</summary>
        static string Display(object value)
        {
            if (value == null) return "null";
            if (value is string) return "\"" + ((string)value).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            if (value is char) return "'" + value + "'";
            if (value is bool) return (bool)value ? "True" : "False";
            if (value is double) return ((double)value).ToString("R", CultureInfo.InvariantCulture) + "d";
            if (value is float) return ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
            var formattable = value as IFormattable;
            return formattable != null ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString();
        }

        static string IgnoreReason(MemberInfo member)
        {
            var ignore = Attributes(member).FirstOrDefault(a => Named(a, NUnit + "IgnoreAttribute"));
            if (ignore == null) return null;
            return (string)ignore.GetType().GetProperty("Reason").GetValue(ignore, null) ?? "";
        }

        static string ExplicitReason(MemberInfo member)
        {
            var marked = Attributes(member).FirstOrDefault(a => Named(a, NUnit + "ExplicitAttribute"));
            if (marked == null) return null;
            return (string)marked.GetType().GetProperty("Reason").GetValue(marked, null) ?? "";
        }

        static IEnumerable<string> Categories(MemberInfo member)
        {
            return Attributes(member).Where(a => Named(a, NUnit + "CategoryAttribute"))
                .Select(a => (string)a.GetType().GetProperty("Name").GetValue(a, null));
        }

        public static IEnumerable<Attribute> Attributes(MemberInfo member)
        {
            return member.GetCustomAttributes(true).Cast<Attribute>();
        }

        public static bool Named(object attribute, string fullName)
        {
            return attribute.GetType().FullName == fullName;
        }
    }
}
