namespace UnityNvim
{
    /// <summary>
    /// The `tests.*` commands while the project has no Unity Test Framework: the code that runs
    /// them (Editor/Tests, its own assembly) compiles only with com.unity.test-framework and
    /// registers handlers that take precedence over this answer.
    /// </summary>
    internal static class TestsFallback
    {
        public const string Error = "the Unity Test Framework is not installed in this project: add com.unity.test-framework in Window > Package Manager, then retry";

        static readonly string[] Names = { "tests.list", "tests.run", "tests.cancel" };

        public static bool Covers(string name)
        {
            return System.Array.IndexOf(Names, name) >= 0;
        }
    }
}
