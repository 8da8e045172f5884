// EditMode tests of the stand-in runner's tests (test_tests.py): one of each kind of outcome.
using System;
using System.Collections;
using NUnit.Framework;
using UnityEngine.TestTools;

namespace Game.Tests
{
    [Category("Math")]
    public class CalculatorTests
    {
        [Test]
        public void Adds()
        {
            Assert.AreEqual(4, 2 + 2);
        }

        [Test]
        public void FailsAnAssertion()
        {
            Assert.AreEqual(5, 2 + 2, "two and two");
        }

        [Test]
        public void Throws()
        {
            throw new InvalidOperationException("boom");
        }

        [Test, Ignore("not ready")]
        public void Skipped()
        {
        }

        [TestCase(1, 2, 3)]
        [TestCase(2, 2, 5)]
        public void Sums(int a, int b, int sum)
        {
            Assert.AreEqual(sum, a + b);
        }

        [UnityTest]
        public IEnumerator Yields()
        {
            int frames = 0;
            yield return null;
            frames++;
            yield return null;
            frames++;
            Console.WriteLine("yielded " + frames + " times");
            Assert.AreEqual(2, frames);
        }
    }

    public class FrameTests
    {
        [UnityTest]
        public IEnumerator YieldsFiftyTimes()
        {
            for (int i = 0; i < 50; i++) yield return null;
        }

        [Test]
        public void CannotTell()
        {
            Assert.Inconclusive("no data yet");
        }
    }

    public class SlowTests
    {
        [UnityTest]
        public IEnumerator TakesManyFrames()
        {
            for (int i = 0; i < 100000; i++) yield return null;
        }
    }
}
