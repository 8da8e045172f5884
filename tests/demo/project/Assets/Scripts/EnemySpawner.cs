using UnityEngine;

namespace Game
{
    public class EnemySpawner : MonoBehaviour
    {
        public GameObject enemyPrefab;
        public int wave = 1;
        float nextWave;

        void Awake()
        {
            nextWave = Time.time + 5f;
        }

        void Update()
        {
            if (Time.time >= nextWave) { SpawnWave(wave++); nextWave = Time.time + 20f; }
        }

        void SpawnWave(int n)
        {
            int count = 4 * n;
            for (int i = 0; i < count; i++)
            {
                Instantiate(enemyPrefab, Random.insideUnitSphere * 10f, Quaternion.identity);
            }
            Debug.Log($"[Enemy] Wave {n} started: {count} enemies");
            var body = enemyPrefab.GetComponent<Rigidbody>();
            if (body == null)
            {
                Debug.LogError("Enemy prefab is missing a Rigidbody");
            }
        }
    }
}
