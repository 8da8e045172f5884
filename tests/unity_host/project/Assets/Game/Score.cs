using Example.Tools;

namespace Game
{
    /// <summary>Game code in its own assembly definition (Game.Core).</summary>
    public class Score
    {
        public const int Max = 100;

        public int Points { get; private set; }

        public void Add(int points)
        {
            Points = Clamp.Between(Points + points, 0, Max);
        }

        public static unsafe int Read(int* cell)
        {
            return *cell;
        }

#if UNITY_EDITOR
        public static bool InEditor { get { return true; } }
#endif
    }
}
