// EditMode tests of how a run's filter selects (test_tests.py): [Explicit], sub-categories, none.
using NUnit.Framework;

namespace Game.Tests
{
    public class SelectionTests
    {
        [Test, Explicit("needs a device")]
        public void OnlyWhenAsked()
        {
        }

        [Test, Category("Math.Advanced")]
        public void Integrates()
        {
        }
    }

    [Category("Tools")]
    public class CategorisedTests
    {
        [Test, Category("Fast")]
        public void FastOne()
        {
        }
    }

    [Explicit]
    public class ExplicitFixture
    {
        [Test]
        public void RunsWhenItsFixtureIsAsked()
        {
        }
    }
}
