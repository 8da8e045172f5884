// Stand-in for UnityEngine.Object and ScriptableObject, as far as TestRunnerApi needs them
// (Runtime/Export/Scripting/ScriptableObject.bindings.cs: CreateInstance<T>()).
namespace UnityEngine
{
    public class Object
    {
    }

    public class ScriptableObject : Object
    {
        public static T CreateInstance<T>() where T : ScriptableObject, new()
        {
            return new T();
        }
    }
}
