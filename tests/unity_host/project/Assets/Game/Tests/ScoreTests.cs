using System;
using Game.Editor;
using NUnit.Framework;

namespace Game.Tests
{
    /// <summary>One test of each outcome a test runner must report.</summary>
    [TestFixture]
    public class ScoreTests
    {
        [Test]
        public void AddsPoints()
        {
            var score = new Score();
            score.Add(5);
            Assert.That(score.Points, Is.EqualTo(5));
        }

        [Test]
        public void FailsAnAssertion()
        {
            Assert.AreEqual(3, new Score().Points, "a new score starts at zero, not three");
        }

        [Test]
        public void Throws()
        {
            throw new InvalidOperationException("thrown on purpose");
        }

        [Test, Ignore("not written yet")]
        public void Ignored()
        {
        }

        [TestCase(10, 10)]
        [TestCase(150, 100)]
        [TestCase(-5, 0)]
        public void ClampsPoints(int added, int expected)
        {
            var score = new Score();
            score.Add(added);
            Assert.AreEqual(expected, score.Points);
        }

        [Test]
        public void DescribesInTheEditor()
        {
            StringAssert.StartsWith("editing: 0/", ScoreReport.Describe(new Score()));
        }
    }
}
