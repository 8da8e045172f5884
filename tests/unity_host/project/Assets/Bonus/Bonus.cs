namespace Game
{
    /// <summary>In Game.Core through an assembly definition reference (.asmref).</summary>
    public static class Bonus
    {
        public static void Grant(Score score)
        {
            score.Add(10);
        }
    }
}
