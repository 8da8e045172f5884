using UnityEngine;

namespace Game
{
    public class Terrain : MonoBehaviour
    {
        public Texture2D grass;

        void Awake() { if (grass.mipmapCount <= 1) Debug.LogWarning($"Texture '{grass.name}' has no mipmaps; it will alias at distance"); }
    }
}
