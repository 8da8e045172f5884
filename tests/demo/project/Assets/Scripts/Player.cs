using UnityEngine;

namespace Game
{
    public class Player : MonoBehaviour
    {
        public float speed = 5f;
        Vector3 spawn = new Vector3(3.2f, 0f, 1.5f);

        void Start()
        {
            transform.position = spawn;
            // The simulated editor logs this line's message with a stack trace pointing here.
            Debug.Log($"[Player] Spawned at {spawn}");
        }

        void Update()
        {
            var input = new Vector3(Input.GetAxis("Horizontal"), 0f, Input.GetAxis("Vertical"));
            transform.Translate(input * speed * Time.deltaTime);
        }
    }
}
