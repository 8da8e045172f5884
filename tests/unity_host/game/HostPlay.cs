// The host's stand-in for the game running in play mode: project scripts (compiled by the
// stand-in compiler into Library/ScriptAssemblies, with their symbols) run frame by frame, and
// what they throw reaches the console with its source lines, as in Unity.
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using UnityEditor;
using UnityEngine;
using UnityNvim;

[InitializeOnLoad]
public static class HostPlay
{
    const string ScriptAssemblies = "Library/ScriptAssemblies";

    // Loaded once per script domain: a good compile reloads the domain, so these are current.
    static readonly Dictionary<string, Assembly> Loaded = new Dictionary<string, Assembly>();

    static HostPlay()
    {
        NeovimBridge.Register("host.playerloop", RunFrames);
    }

    /// <summary>
    /// {type, method = "Update", frames = 1}: in play mode, calls the method of one instance of a
    /// project script's type once per frame, as the player loop calls a component's Update.
    /// An exception is caught and logged with Debug.LogException, as a game's own handler does,
    /// and the next frame runs again. Returns {frames, exceptions}.
    /// </summary>
    static object RunFrames(IDictionary<string, object> args)
    {
        if (!EditorApplication.isPlaying) throw new InvalidOperationException("host.playerloop runs game code in play mode only: send play first");
        string typeName = HostGame.Arg(args, "type", "");
        string methodName = HostGame.Arg(args, "method", "Update");
        long frames = HostGame.Arg(args, "frames", 1L);
        Type type = FindType(typeName);
        MethodInfo method = type.GetMethod(methodName, BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, null, Type.EmptyTypes, null);
        if (method == null) throw new ArgumentException(typeName + " has no method " + methodName + "()");
        var frame = (Action)(method.IsStatic
            ? Delegate.CreateDelegate(typeof(Action), method)
            : Delegate.CreateDelegate(typeof(Action), Activator.CreateInstance(type), method));
        long exceptions = 0;
        for (long i = 0; i < frames; i++)
        {
            try
            {
                frame();
            }
            catch (Exception e)
            {
                exceptions++;
                Debug.LogException(e);
            }
        }
        return new Dictionary<string, object> { { "frames", frames }, { "exceptions", exceptions } };
    }

    static Type FindType(string name)
    {
        string folder = Path.Combine(Path.GetDirectoryName(Application.dataPath), ScriptAssemblies);
        if (Directory.Exists(folder))
            foreach (var path in Directory.GetFiles(folder, "*.dll"))
            {
                Type type = Load(path).GetType(name);
                if (type != null) return type;
            }
        throw new ArgumentException("no compiled project script defines '" + name + "' (" + ScriptAssemblies + "): refresh or compile first");
    }

    /// <summary>From bytes, so that the next compile may overwrite the file; symbols from the .mdb beside it.</summary>
    static Assembly Load(string path)
    {
        Assembly assembly;
        if (Loaded.TryGetValue(path, out assembly)) return assembly;
        string symbols = path + ".mdb";
        assembly = File.Exists(symbols)
            ? Assembly.Load(File.ReadAllBytes(path), File.ReadAllBytes(symbols))
            : Assembly.Load(File.ReadAllBytes(path));
        Loaded[path] = assembly;
        return assembly;
    }
}
