using UnityEditor;

/// <summary>In an Editor folder outside any assembly definition: Assembly-CSharp-Editor.</summary>
public static class SpawnerMenu
{
    public static void Spawn()
    {
        if (!EditorApplication.isPlaying) new Spawner().Spawn();
    }
}
