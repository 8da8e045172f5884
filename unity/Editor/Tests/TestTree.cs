using System;
using System.Collections.Generic;
using System.Globalization;
using UnityEditor.TestTools.TestRunner.Api;

namespace UnityNvim.Tests
{
    /// <summary>The Test Framework's test tree as `tests.list` sends it (doc/protocol.md, `tests.list`).</summary>
    internal static class TestTree
    {
        public static Dictionary<string, object> Node(ITestAdaptor test, TestSource source)
        {
            var node = new Dictionary<string, object>
            {
                { "full_name", test.FullName ?? "" },
                { "name", test.Name ?? "" },
                { "suite", test.IsSuite },
                { "categories", Strings(test.Categories) },
            };
            Type type = test.TypeInfo != null ? test.TypeInfo.Type : null;
            string method = test.Method != null ? test.Method.Name : null;
            if (type != null) node["class"] = test.TypeInfo.FullName;
            if (method != null) node["method"] = method;
#if UNITY_NVIM_TEST_ARGUMENTS
            // ITestAdaptor.Arguments came with Test Framework 1.3.0.
            if (test.Arguments != null && test.Arguments.Length > 0)
            {
                var arguments = new List<object>();
                foreach (var a in test.Arguments) arguments.Add(Argument(a));
                node["arguments"] = arguments;
            }
#endif
            var location = source.Find(type, method);
            if (location.File != null) node["file"] = location.File;
            if (location.Line > 0) node["line"] = location.Line;
            if (test.HasChildren)
            {
                var children = new List<object>();
                foreach (var child in test.Children) children.Add(Node(child, source));
                node["children"] = children;
            }
            return node;
        }

        static List<object> Strings(string[] values)
        {
            var list = new List<object>();
            if (values != null)
                foreach (var v in values) list.Add(v);
            return list;
        }

#if UNITY_NVIM_TEST_ARGUMENTS
        /// <summary>An argument much as NUnit 3 writes it in a case's name: strings quoted, chars in single quotes, numbers invariant, null as null.</summary>
        static string Argument(object value)
        {
            if (value == null) return "null";
            if (value is string) return "\"" + value + "\"";
            if (value is char) return "'" + value + "'";
            var formattable = value as IFormattable;
            return formattable != null ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString();
        }
#endif
    }
}
