using Game;
using UnityEngine;

/// <summary>Code outside any assembly definition: Assembly-CSharp, which references Game.Core.</summary>
public class Spawner
{
    public readonly Score Score = new Score();

    public void Spawn()
    {
        Bonus.Grant(Score);
        if (Score.InEditor) Debug.Log("spawned, score " + Score.Points);
    }
}
