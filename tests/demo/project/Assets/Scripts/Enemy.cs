using UnityEngine;

namespace Game
{
    // unity.nvim demo: :UnityCompile reports the #error below in the quickfix list and as a
    // diagnostic. Delete that line, save, and :UnityCompile again: both clear, and the
    // simulated editor reloads its scripts like Unity does.
    public class Enemy : MonoBehaviour
    {
#error Enemy.target is never assigned: drag the Player into the Target slot
        public Transform target;
        public float speed = 2f;
        int health = 3;

        public void Hit()
        {
            health--;
            if (health <= 0)
            {
                Destroy(gameObject);
            }
        }

        void OnDestroy()
        {
            FindObjectOfType<Score>().Add(100);
        }

        // Padding so that line 42 below is the line the simulated exception points at.
        //
        //
        //
        //
        //
        //
        //
        //
        //
        void Update()
        {
            var toTarget = target.position - transform.position;
            transform.position += toTarget.normalized * speed * Time.deltaTime;
        }
    }
}
