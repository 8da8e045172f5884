using System;
using System.Collections.Generic;
using System.Reflection;
using UnityEditor;
using UnityEngine;

namespace UnityNvim
{
    /// <summary>
    /// The AssetPostprocessor hooks of project generation that tools rely on (to add analyzers,
    /// rewrite references, or generate the projects themselves), called as com.unity.ide.visualstudio
    /// 2.0.25 calls them (Editor/ProjectGeneration/ProjectGeneration.cs, TypeCacheHelper.cs): a
    /// public or non-public static method of that name on every type TypeCache finds derived
    /// from AssetPostprocessor; OnGeneratedCSProject(path, content) and
    /// OnGeneratedSlnSolution(path, content) chained, each getting the text the previous one
    /// returned (a method returning void leaves it); OnPreGeneratingCSProjectFiles() true from
    /// any means the files are generated elsewhere. Unlike there, a hook that throws is named in
    /// the console and skipped, so one broken tool does not stop the sync. The hooks are looked
    /// up once per sync, not once per file.
    /// </summary>
    internal sealed class ProjectPostprocessors
    {
        const string Tag = "[Neovim Bridge] ";
        readonly Dictionary<string, List<MethodInfo>> hooks = new Dictionary<string, List<MethodInfo>>();

        public ProjectPostprocessors()
        {
            var names = new[] { "OnPreGeneratingCSProjectFiles", "OnGeneratedCSProjectFiles", "OnGeneratedCSProject", "OnGeneratedSlnSolution" };
            foreach (var name in names) hooks[name] = new List<MethodInfo>();
            foreach (var type in TypeCache.GetTypesDerivedFrom<AssetPostprocessor>())
                foreach (var name in names)
                {
                    MethodInfo method;
                    try
                    {
                        method = type.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static);
                    }
                    catch (AmbiguousMatchException)
                    {
                        continue; // overloads: none of them is the hook Unity's generators call
                    }
                    if (method != null) hooks[name].Add(method);
                }
        }

        /// <summary>True when a hook says it generates the project files itself.</summary>
        public bool PreGenerating()
        {
            bool elsewhere = false;
            foreach (var method in hooks["OnPreGeneratingCSProjectFiles"])
            {
                object result;
                if (Invoke(method, new object[0], out result) && method.ReturnType == typeof(bool)) elsewhere |= (bool)result;
            }
            return elsewhere;
        }

        public void Generated()
        {
            object unused;
            foreach (var method in hooks["OnGeneratedCSProjectFiles"]) Invoke(method, new object[0], out unused);
        }

        public string Project(string path, string content) { return Chain("OnGeneratedCSProject", path, content); }

        public string Solution(string path, string content) { return Chain("OnGeneratedSlnSolution", path, content); }

        string Chain(string name, string path, string content)
        {
            foreach (var method in hooks[name])
            {
                object result;
                if (Invoke(method, new object[] { path, content }, out result) && method.ReturnType == typeof(string)) content = (string)result;
            }
            return content;
        }

        static bool Invoke(MethodInfo method, object[] args, out object result)
        {
            result = null;
            try
            {
                result = method.Invoke(null, args);
                return true;
            }
            catch (Exception e)
            {
                var cause = e is TargetInvocationException && e.InnerException != null ? e.InnerException : e;
                Debug.LogWarning(Tag + method.DeclaringType.FullName + "." + method.Name + " failed while the project files were written, so it was skipped: "
                    + cause.GetType().Name + ": " + cause.Message + ". Its package's authors can fix it; the project files are written without it.");
                return false;
            }
        }
    }
}
