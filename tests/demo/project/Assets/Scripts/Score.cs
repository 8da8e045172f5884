using UnityEngine;

namespace Game
{
    public class Score : MonoBehaviour
    {
        int total;

        public int Total
        {
            get { return total; }
        }

        void Start()
        {
            total = 0;
        }

        public void Add(int points)
        {
            total += points;
            Debug.Log($"<b>Score</b> <color=yellow>{total}</color>");
        }
    }
}
