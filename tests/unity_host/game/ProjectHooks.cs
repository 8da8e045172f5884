using System;
using System.IO;
using UnityEditor;
using UnityEngine;

namespace UnityHost.Game
{
    /// <summary>
    /// A tool's project generation hooks, as packages write them: static methods of an
    /// AssetPostprocessor that generators find by name. Quiet unless UNITY_HOST_PROJECT_HOOKS is
    /// set: "edit" logs each call ("hook: Name file") and marks the text it is given; "skip" also
    /// says the tool generates the files itself; "throw" makes OnGeneratedCSProject throw.
    /// </summary>
    public class ProjectHooks : AssetPostprocessor
    {
        static string Mode { get { return Environment.GetEnvironmentVariable("UNITY_HOST_PROJECT_HOOKS") ?? ""; } }

        static bool OnPreGeneratingCSProjectFiles()
        {
            if (Mode == "") return false;
            Debug.Log("hook: OnPreGeneratingCSProjectFiles");
            return Mode == "skip";
        }

        static void OnGeneratedCSProjectFiles()
        {
            if (Mode != "") Debug.Log("hook: OnGeneratedCSProjectFiles");
        }

        static string OnGeneratedCSProject(string path, string content)
        {
            if (Mode == "") return content;
            Debug.Log("hook: OnGeneratedCSProject " + Path.GetFileName(path));
            if (Mode == "throw") throw new InvalidOperationException("the tool is broken");
            return content.Replace("</Project>", "  <!-- edited by a hook -->\r\n</Project>");
        }

        static string OnGeneratedSlnSolution(string path, string content)
        {
            if (Mode == "") return content;
            Debug.Log("hook: OnGeneratedSlnSolution " + Path.GetFileName(path));
            return content + "# edited by a hook\r\n";
        }
    }
}
