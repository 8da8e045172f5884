// PlayMode tests of the stand-in runner's tests (test_tests.py): they run after the domain reload of entering play mode.
using System.Collections;
using NUnit.Framework;
using UnityEngine.TestTools;

namespace Game.Tests
{
    public class PlayTests
    {
        [Test]
        public void RunsInPlayMode()
        {
            Assert.Pass();
        }

        [UnityTest]
        public IEnumerator WaitsAFrame()
        {
            yield return null;
        }
    }
}
