using UnityEditor;

namespace Game.Editor
{
    /// <summary>Editor-only code (Game.Editor, includePlatforms Editor) using the game assembly.</summary>
    public static class ScoreReport
    {
        public static string Describe(Score score)
        {
            return (EditorApplication.isPlaying ? "playing: " : "editing: ") + score.Points + "/" + Score.Max;
        }
    }
}
