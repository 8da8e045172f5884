// Stand-in for UnityEngine.TestRunner.dll's [UnityTest] (com.unity.test-framework,
// UnityEngine.TestRunner/NUnitExtensions/Attributes/UnityTestAttribute.cs): a test method that
// returns IEnumerator and is stepped one yield per editor frame. Unity's derives from NUnit 3's
// CombiningStrategyAttribute; Debian's NUnit 2.6 has none, and the stand-in runner finds it by name.
using System;

namespace UnityEngine.TestTools
{
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public class UnityTestAttribute : Attribute
    {
    }
}
