"""Tests of the `tests.*` commands and `test` messages (issue 12) in the stand-in host: the
package's test assembly against the stub Test Framework, whose stand-in runner runs real NUnit
test assemblies (test_project/ and the sample project's, built by the stand-in compiler against
Debian's NUnit 2.6).

Prints "N passed, M failed". Usage: python3 test_tests.py [NAME_FRAGMENT...]
"""
import json
import os
import shutil
import sys

import test_host as T

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "project")
SOURCE = "Assets/Tests/Edit/CalculatorTests.cs"
NOT_INSTALLED = ("the Unity Test Framework is not installed in this project: add com.unity.test-framework "
                 "in Window > Package Manager, then retry")
FIXTURE = "Game.Tests.CalculatorTests"


def framework(version):
    """Runs the test on a project with that Test Framework version ("none": without one)."""
    def mark(fn):
        fn.env = {"UNITY_HOST_TEST_FRAMEWORK": version}
        return fn
    return mark


def compile_and_reload(h):
    """Connects, has the stand-in editor compile the project (one assembly per asmdef, test
    assemblies against NUnit and the Test Framework) and waits for the reload that follows."""
    h.connect()
    h.peer.send("compile")
    # A good compile's summary comes from the next domain, after the reload's bye and its hello.
    done, seen = h.peer.recv_until(lambda m: m.get("t") == "compile" and m["state"] == "finished", timeout=60)
    assert done["errors"] == 0, done
    kinds = [m["t"] for m in seen]
    assert "bye" in kinds and "hello" in kinds[kinds.index("bye"):], kinds


def add_tests(h):
    """test_project/ as Assets/Tests/ (an EditMode and a PlayMode test assembly), compiled."""
    shutil.copytree(os.path.join(HERE, "test_project"), os.path.join(h.project, "Assets", "Tests"))
    compile_and_reload(h)


def line_of(h, text):
    with open(os.path.join(h.project, SOURCE)) as f:
        for number, line in enumerate(f, 1):
            if text in line:
                return number
    raise AssertionError("%r not in %s" % (text, SOURCE))


def nodes(node):
    yield node
    for child in node.get("children", []):
        yield from nodes(child)


def listed(h, mode):
    reply = h.peer.call("tests.list", {"mode": mode})
    assert reply["ok"], reply
    assert reply["result"]["mode"] == mode, reply
    return {n["full_name"]: n for n in nodes(reply["result"]["root"])}


def run_messages(h, args, timeout=60):
    """tests.run; returns (run id, its `test` messages up to and with run_finished, everything read on the way)."""
    reply = h.peer.call("tests.run", args)
    assert reply["ok"], reply
    run_id = reply["result"]["run"]
    assert isinstance(run_id, str) and run_id, reply
    last, seen = h.peer.recv_until(
        lambda m: m.get("t") == "test" and m["event"] == "run_finished" and m["run"] == run_id, timeout=timeout)
    return run_id, [m for m in seen if m.get("t") == "test"] + [last], seen


def by_name(messages):
    return {m["full_name"]: m for m in messages if m["event"] == "finished"}


# ---------------------------------------------------------------- tests

def test_list_gives_the_tree_with_sources(h):
    add_tests(h)
    tree = listed(h, "edit")
    assemblies = [n["name"] for n in tree.values() if n["name"].endswith(".dll")]
    assert assemblies == ["Game.Tests.Edit.dll"], assemblies
    fixture = tree[FIXTURE]
    assert fixture["suite"] and fixture["class"] == FIXTURE and fixture["categories"] == ["Math"], fixture
    assert fixture["file"] == SOURCE and fixture["line"] == line_of(h, "public class CalculatorTests"), fixture
    test = tree[FIXTURE + ".FailsAnAssertion"]
    assert not test["suite"] and test["method"] == "FailsAnAssertion" and test["class"] == FIXTURE, test
    assert test["file"] == SOURCE and test["line"] == line_of(h, "public void FailsAnAssertion"), test
    sums = tree[FIXTURE + ".Sums"]
    assert sums["suite"] and sorted(c["full_name"] for c in sums["children"]) == [
        FIXTURE + ".Sums(1,2,3)", FIXTURE + ".Sums(2,2,5)"], sums
    case = tree[FIXTURE + ".Sums(1,2,3)"]
    assert case["name"] == "Sums(1,2,3)" and case["arguments"] == ["1", "2", "3"], case
    assert case["line"] == line_of(h, "public void Sums"), case
    assert tree[FIXTURE + ".Yields"]["line"] == line_of(h, "public IEnumerator Yields"), tree[FIXTURE + ".Yields"]
    assert "Game.Tests.PlayTests" not in tree
    play = listed(h, "play")
    assert "Game.Tests.PlayTests.RunsInPlayMode" in play and FIXTURE not in play, sorted(play)
    assert play["Game.Tests.PlayTests.RunsInPlayMode"]["file"] == "Assets/Tests/Play/PlayTests.cs"


def test_a_listing_cut_by_a_reload_is_answered(h):
    # tests.list answers once the Test Framework delivers the tree, some ticks later; a reload
    # before that still answers it (with an error), as every command gets exactly one reply.
    add_tests(h)
    batch = [{"t": "cmd", "id": 900, "name": "tests.list", "args": {"mode": "edit"}},
             {"t": "cmd", "id": 901, "name": "host.reload"}]
    h.peer.write(b"".join(T.P.frame(T.P.pack(m)) for m in batch))
    replies, _ = h.replies_until(900)
    assert replies[900] == {"t": "reply", "id": 900, "ok": False,
                            "error": "Unity reloaded its scripts before 'tests.list' finished"}, replies
    assert replies[901]["ok"], replies
    h.expect("hello")
    assert listed(h, "edit")[FIXTURE]["suite"], "the next domain lists again"


PACKAGE_TESTS = """using NUnit.Framework;

namespace Tools.Tests
{
    public class %sTests
    {
        [Test]
        public void Works()
        {
            Assert.Fail("in a package");
        }
    }
}
"""


def package_with_tests(folder, name, fixture):
    """A package in folder (package.json named name) with an EditMode test assembly of one fixture."""
    tests = os.path.join(folder, "Tests")
    os.makedirs(tests)
    with open(os.path.join(folder, "package.json"), "w") as f:
        json.dump({"name": name, "version": "1.0.0"}, f)
    with open(os.path.join(tests, fixture + ".Tests.asmdef"), "w") as f:
        json.dump({"name": fixture + ".Tests", "references": ["UnityEngine.TestRunner", "UnityEditor.TestRunner"],
                   "includePlatforms": ["Editor"], "overrideReferences": True,
                   "precompiledReferences": ["nunit.framework.dll"], "defineConstraints": ["UNITY_INCLUDE_TESTS"]}, f)
    # Named otherwise than the class: found as the script of its assembly that declares it.
    with open(os.path.join(tests, "Checks.cs"), "w") as f:
        f.write(PACKAGE_TESTS % fixture)


def test_tests_in_packages_have_their_sources(h):
    # An embedded package (its folder named otherwise than the package) and a local one outside
    # Assets and Packages, where Library/PackageCache packages are too: the script is where the
    # package really is, found among the scripts of the test's assembly.
    package_with_tests(os.path.join(h.project, "Packages", "EmbeddedTools"), "com.example.embedded", "Embedded")
    package_with_tests(os.path.join(h.project, "LocalTools"), "com.example.local", "Local")
    with open(os.path.join(h.project, "Packages", "manifest.json"), "w") as f:
        json.dump({"dependencies": {"com.example.local": "file:../LocalTools"}}, f)
    compile_and_reload(h)
    tree = listed(h, "edit")
    for fixture, folder in (("Embedded", "Packages/EmbeddedTools"), ("Local", "LocalTools")):
        node = tree["Tools.Tests.%sTests.Works" % fixture]
        assert node["file"] == folder + "/Tests/Checks.cs" and node["line"] == 8, node
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"assemblies": ["Local.Tests"]}})
    failed = by_name(messages)["Tools.Tests.LocalTests.Works"]
    assert failed["file"] == "LocalTools/Tests/Checks.cs" and failed["line"] == 8, failed
    assert "(at LocalTools/Tests/Checks.cs:10)" in failed["stack"], failed


@framework("1.1.33")
def test_list_on_test_framework_1_1_has_no_arguments(h):
    # ITestAdaptor.Arguments came with 1.3.0: the package compiled for 1.1.33 leaves it out.
    add_tests(h)
    case = listed(h, "edit")[FIXTURE + ".Sums(2,2,5)"]
    assert "arguments" not in case and case["line"] == line_of(h, "public void Sums"), case


def test_run_streams_each_result(h):
    add_tests(h)
    run_id, messages, _ = run_messages(h, {"mode": "edit", "filter": {"names": [FIXTURE]}})
    assert all(m["run"] == run_id and "replay" not in m for m in messages), messages
    assert messages[0] == {"t": "test", "run": run_id, "event": "run_started", "mode": "edit", "total": 7}, messages[0]
    results = by_name(messages)
    assert sorted(results) == sorted(FIXTURE + "." + n for n in (
        "Adds", "FailsAnAssertion", "Throws", "Skipped", "Sums(1,2,3)", "Sums(2,2,5)", "Yields")), sorted(results)
    assert len([m for m in messages if m["event"] == "finished"]) == 7, "one finished per test, none for suites"
    status = {n[len(FIXTURE) + 1:]: m["status"] for n, m in results.items()}
    assert status == {"Adds": "passed", "FailsAnAssertion": "failed", "Throws": "failed", "Skipped": "skipped",
                      "Sums(1,2,3)": "passed", "Sums(2,2,5)": "failed", "Yields": "passed"}, status

    failed = results[FIXTURE + ".FailsAnAssertion"]
    assert "two and two" in failed["message"], failed
    frame = "Game.Tests.CalculatorTests:FailsAnAssertion () (at %s:%d)" % (SOURCE, line_of(h, "Assert.AreEqual(5, 2 + 2"))
    assert failed["stack"].split("\n")[0] == frame, failed["stack"]
    assert failed["file"] == SOURCE and failed["line"] == line_of(h, "public void FailsAnAssertion"), failed
    assert failed["name"] == "FailsAnAssertion" and isinstance(failed["ms"], int), failed

    threw = results[FIXTURE + ".Throws"]
    assert threw["message"] == "System.InvalidOperationException : boom", threw
    assert threw["stack"].split("\n")[0] == "Game.Tests.CalculatorTests:Throws () (at %s:%d)" % (
        SOURCE, line_of(h, 'throw new InvalidOperationException("boom")')), threw
    assert results[FIXTURE + ".Skipped"]["message"] == "not ready", results[FIXTURE + ".Skipped"]
    # NUnit's ResultState goes along where it says more than the status.
    state = {n[len(FIXTURE) + 1:]: m.get("state") for n, m in results.items()}
    assert state == {"Adds": None, "FailsAnAssertion": None, "Throws": "Failed:Error", "Skipped": "Skipped:Ignored",
                     "Sums(1,2,3)": None, "Sums(2,2,5)": None, "Yields": None}, state
    case = results[FIXTURE + ".Sums(2,2,5)"]
    # Mono writes parameters with their types and names; the frames of NUnit's reflection call are cut.
    assert case["name"] == "Sums(2,2,5)" and case["stack"] == (
        "Game.Tests.CalculatorTests:Sums (System.Int32 a, System.Int32 b, System.Int32 sum) (at %s:%d)"
        % (SOURCE, line_of(h, "Assert.AreEqual(sum, a + b)"))), case
    assert results[FIXTURE + ".Yields"]["output"].strip() == "yielded 2 times", results[FIXTURE + ".Yields"]
    assert "message" not in results[FIXTURE + ".Adds"] and "stack" not in results[FIXTURE + ".Adds"]

    end = messages[-1]
    assert {k: end[k] for k in ("passed", "failed", "skipped", "inconclusive")} == {
        "passed": 3, "failed": 3, "skipped": 1, "inconclusive": 0}, end
    assert isinstance(end["ms"], int) and "cancelled" not in end, end


def run_that_finds_nothing(h):
    add_tests(h)
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"names": ["Game.Tests.NoSuchTest"]}})
    assert [m["event"] for m in messages] == ["run_started", "run_finished"], messages
    assert messages[0]["total"] == 0, messages[0]
    assert {k: messages[1][k] for k in ("passed", "failed", "skipped", "inconclusive")} == {
        "passed": 0, "failed": 0, "skipped": 0, "inconclusive": 0}, messages[1]


def test_a_run_that_finds_no_test_ends_with_nothing_counted(h):
    run_that_finds_nothing(h)


@framework("1.1.33")
def test_a_run_that_finds_no_test_on_1_1(h):
    # 1.1.33 hands RunStarted the whole tree: the package's own count must come to 0 too.
    run_that_finds_nothing(h)


def test_unity_test_steps_once_per_editor_tick_and_inconclusive(h):
    add_tests(h)
    before = h.peer.call("host.ticks")["result"]["ticks"]
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"names": ["Game.Tests.FrameTests"]}})
    after = h.peer.call("host.ticks")["result"]["ticks"]
    results = by_name(messages)
    assert results["Game.Tests.FrameTests.YieldsFiftyTimes"]["status"] == "passed", results
    assert after - before >= 50, "50 yields took %d editor ticks" % (after - before)
    unsure = results["Game.Tests.FrameTests.CannotTell"]
    assert unsure["status"] == "inconclusive" and unsure["message"] == "no data yet", unsure
    assert messages[-1]["inconclusive"] == 1 and messages[-1]["passed"] == 1, messages[-1]


def run_total_counts_only_the_filtered_tests(h):
    # Before 1.4.0 RunStarted gets the whole tree of the mode: the package counts what the filter runs.
    add_tests(h)
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"groups": ["^Game\\.Tests\\.CalculatorTests\\.Sums"]}})
    assert messages[0]["total"] == 2 and sorted(by_name(messages)) == [
        FIXTURE + ".Sums(1,2,3)", FIXTURE + ".Sums(2,2,5)"], messages


@framework("1.1.33")
def test_run_total_counts_only_the_filtered_tests_on_1_1(h):
    run_total_counts_only_the_filtered_tests(h)


@framework("1.3.9")
def test_run_total_counts_only_the_filtered_tests_on_1_3(h):
    run_total_counts_only_the_filtered_tests(h)


def test_the_sample_projects_tests(h):
    # What `make unity-host PROJECT=tests/unity_host/project` runs for Neovim.
    for part in ("Assets", "Packages"):
        shutil.copytree(os.path.join(SAMPLE, part), os.path.join(h.project, part), dirs_exist_ok=True)
    compile_and_reload(h)
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"assemblies": ["Game.Tests"]}})
    status = {n: m["status"] for n, m in by_name(messages).items()}
    fixture = "Game.Tests.ScoreTests."
    assert status == {fixture + "AddsPoints": "passed", fixture + "FailsAnAssertion": "failed",
                      fixture + "Throws": "failed", fixture + "Ignored": "skipped",
                      fixture + "ClampsPoints(10,10)": "passed", fixture + "ClampsPoints(150,100)": "passed",
                      fixture + "ClampsPoints(-5,0)": "passed", fixture + "DescribesInTheEditor": "passed"}, status
    failed = by_name(messages)[fixture + "FailsAnAssertion"]
    assert failed["file"] == "Assets/Game/Tests/ScoreTests.cs" and "(at Assets/Game/Tests/ScoreTests.cs:" in failed["stack"], failed


def test_run_filters_by_category_and_assembly(h):
    add_tests(h)
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"categories": ["Math"], "assemblies": ["Game.Tests.Edit"]}})
    # Category filters are regular expressions, not anchored: "Math" takes "Math.Advanced" too.
    assert len(by_name(messages)) == 8 and messages[0]["total"] == 8, by_name(messages)
    assert "Game.Tests.SelectionTests.Integrates" in by_name(messages), by_name(messages)
    reply = h.peer.call("tests.run", {"mode": "sideways"})
    assert not reply["ok"] and "mode must be" in reply["error"], reply


SELECTION = "Game.Tests.SelectionTests."


def outcomes(messages):
    return {n: (m["status"], m.get("state")) for n, m in by_name(messages).items()}


def filters_as_unity_does(h):
    add_tests(h)
    selection = "^Game\\.Tests\\.(CalculatorTests|SelectionTests)\\."
    # `!` excludes: every CalculatorTests test is "Math", Integrates "Math.Advanced". The explicit
    # test is in the run but not selected explicitly (an exclusion never does): skipped as Explicit.
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"groups": [selection], "categories": ["!Math"]}})
    assert outcomes(messages) == {SELECTION + "OnlyWhenAsked": ("skipped", "Skipped:Explicit")}, messages
    assert by_name(messages)[SELECTION + "OnlyWhenAsked"]["message"] == "needs a device"
    assert messages[0]["total"] == 1 and messages[-1]["skipped"] == 1, messages
    # A test with no category is "Uncategorized"; asked for by that, the explicit test runs.
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"groups": ["^" + SELECTION], "categories": ["Uncategorized"]}})
    assert outcomes(messages) == {SELECTION + "OnlyWhenAsked": ("passed", None)}, messages
    # Named, it runs; under a fixture asked for by name, it is skipped; an explicit fixture asked for runs.
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"names": [SELECTION + "OnlyWhenAsked", "Game.Tests.ExplicitFixture"]}})
    assert outcomes(messages) == {SELECTION + "OnlyWhenAsked": ("passed", None),
                                  "Game.Tests.ExplicitFixture.RunsWhenItsFixtureIsAsked": ("passed", None)}, messages
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"names": ["Game.Tests.SelectionTests"]}})
    assert outcomes(messages) == {SELECTION + "OnlyWhenAsked": ("skipped", "Skipped:Explicit"),
                                  SELECTION + "Integrates": ("passed", None)}, messages
    assert messages[0]["total"] == 2, messages[0]


def fast_ones(h):
    """The tests of category "Fast" and how many the run announced."""
    _, messages, _ = run_messages(h, {"mode": "edit", "filter": {"categories": ["Fast"]}})
    return sorted(by_name(messages)), messages[0]["total"]


def test_run_filters_as_unity_does(h):
    filters_as_unity_does(h)
    # From 1.3.5 a test's own category counts under a fixture with categories of its own.
    assert fast_ones(h) == (["Game.Tests.CategorisedTests.FastOne"], 1)


@framework("1.3.9")
def test_run_filters_as_unity_does_on_1_3(h):
    # The package counts `total` itself before 1.4.0: the same rules.
    filters_as_unity_does(h)
    assert fast_ones(h) == (["Game.Tests.CategorisedTests.FastOne"], 1)


@framework("1.1.33")
def test_run_filters_as_unity_does_on_1_1(h):
    filters_as_unity_does(h)
    # Before 1.3.5 a test under a fixture with categories matches only through the fixture's.
    assert fast_ones(h) == ([], 0)


def everything_until(h, last):
    """Runs all EditMode tests until `last` finished, then cancels in Unity's window (SlowTests
    would take 100000 frames); the run's id and its messages."""
    reply = h.peer.call("tests.run", {"mode": "edit"})
    assert reply["ok"], reply
    end, seen = h.peer.recv_until(lambda m: m.get("t") == "test" and m.get("full_name") == last, timeout=60)
    window(h, "cancel")
    return [m for m in seen if m.get("t") == "test"] + [end]


def test_a_run_of_everything_reports_explicit_tests_skipped(h):
    # From 1.4.0 the mode's EditorOnlyFilter is always there: explicit tests take part, skipped.
    add_tests(h)
    messages = everything_until(h, SELECTION + "OnlyWhenAsked")
    results = outcomes(messages)
    assert results["Game.Tests.ExplicitFixture.RunsWhenItsFixtureIsAsked"] == ("skipped", "Skipped:Explicit"), results
    assert results[SELECTION + "OnlyWhenAsked"] == ("skipped", "Skipped:Explicit"), results
    assert messages[0]["total"] == 14, messages[0]


@framework("1.1.33")
def test_a_run_of_everything_leaves_explicit_tests_out_on_1_1(h):
    # Before 1.4.0 an empty Filter is NUnit's TestFilter.Empty: explicit tests are not in the run.
    add_tests(h)
    messages = everything_until(h, SELECTION + "Integrates")
    results = outcomes(messages)
    assert SELECTION + "OnlyWhenAsked" not in results and not any("ExplicitFixture" in n for n in results), results
    assert messages[0]["total"] == 12, messages[0]


def test_play_mode_run_goes_through_a_domain_reload(h):
    add_tests(h)
    run_id, messages, seen = run_messages(h, {"mode": "play"})
    kinds = [m["t"] for m in seen]
    # The run enters play mode, which reloads the domain; the results come from the new domain.
    assert "bye" in kinds and kinds.index("bye") < kinds.index("test"), kinds
    assert [m for m in seen if m["t"] == "bye"][0]["reason"] == "reload"
    assert messages[0]["event"] == "run_started" and messages[0]["mode"] == "play" and messages[0]["total"] == 2, messages
    assert {n: m["status"] for n, m in by_name(messages).items()} == {
        "Game.Tests.PlayTests.RunsInPlayMode": "passed", "Game.Tests.PlayTests.WaitsAFrame": "passed"}, messages
    assert messages[-1]["passed"] == 2 and messages[-1]["run"] == run_id, messages[-1]
    h.wait_output("domain 2 up")
    # The run leaves play mode on a later editor tick. Not by a `state` message: the one the
    # play-mode domain greets with may already say "not playing" (play mode starts on its first
    # tick) and nothing changed since for Neovim when the run is that quick.
    for _ in range(1000):
        if not h.peer.call("state")["result"]["playing"]:
            break
    else:
        raise AssertionError("the run did not leave play mode")


def test_a_neovim_that_connects_later_gets_the_replay(h):
    add_tests(h)
    run_id, live, _ = run_messages(h, {"mode": "edit", "filter": {"names": [FIXTURE + ".Adds", FIXTURE + ".Throws"]}})
    h.peer.close()
    h.peer = T.P.Peer(h.project)
    h.connect()
    last, seen = h.peer.recv_until(lambda m: m.get("t") == "test" and m["event"] == "run_finished")
    replayed = [m for m in seen if m.get("t") == "test"] + [last]
    # everything of the run again, in order, each marked as a replay
    assert len(replayed) == len(live), (replayed, live)
    for old, new in zip(live, replayed):
        assert new == dict(old, replay=True), (old, new)
    h.peer.write(T.P.frame(T.P.pack({"t": "hello", "protocol": 1, "client": "peer.py", "pid": os.getpid()})))
    again, _ = h.peer.recv_until(lambda m: m.get("t") == "test" and m["event"] == "run_finished")
    assert again == dict(live[-1], replay=True) and again["run"] == run_id, again


def test_cancel_ends_the_run_and_a_reconnect_during_it_learns_of_it(h):
    add_tests(h)
    reply = h.peer.call("tests.run", {"mode": "edit", "filter": {"names": ["Game.Tests.SlowTests"]}})
    run_id = reply["result"]["run"]
    h.expect("test", event="run_started", run=run_id)
    # A Neovim that connects while the run goes on hears how far it is.
    h.peer.close()
    h.peer = T.P.Peer(h.project)
    h.connect()
    started = h.expect("test", event="run_started")
    assert started["replay"] is True and started["run"] == run_id, started
    seen = h.messages_until_reply("tests.cancel", {"run": run_id})
    assert seen[-1]["ok"] and seen[-1]["result"] == {"cancelled": True}, seen[-1]
    end = h.expect("test", seen, event="run_finished")
    assert end["run"] == run_id and "replay" not in end and end["passed"] == 0 and end["cancelled"] is True, end
    again = h.peer.call("tests.cancel", {})
    assert not again["ok"] and "is going" in again["error"], again
    # Nothing of the cancelled run comes after its end: the runner stopped.
    _, later = h.peer.reply(h.peer.send("host.ticks"))
    assert not [m for m in later if m.get("t") == "test" and "replay" not in m], later


def refuses_to_cancel(h):
    h.peer.call("tests.run", {"mode": "edit", "filter": {"names": ["Game.Tests.SlowTests"]}})
    reply = h.peer.call("tests.cancel", {})
    assert not reply["ok"] and "cannot cancel" in reply["error"] and "1.4.0 or later" in reply["error"], reply


def window(h, action, **args):
    """What a user does in Unity's Test Runner window; (its result, messages read on the way)."""
    seen = h.messages_until_reply("host.testrunnerwindow", dict(args, action=action))
    assert seen[-1]["ok"], seen[-1]
    return seen[-1]["result"], seen[:-1]


def window_idle(h):
    """Waits until the Test Runner window shows no run going; the messages read meanwhile."""
    seen = []
    running = True
    while running is not None:
        running, more = window(h, "running")
        seen += more
    return seen


def cancelled_in_unitys_window(h, reload=False, wound_down=False):
    # From 1.3.2 Unity calls nothing back for a run cancelled in its Test Runner window: the
    # package learns that its run is over when the window starts the next one, whose results
    # are not Neovim's. 1.1.33 winds the run down to a RunFinished that says Cancelled.
    add_tests(h)
    run_id = h.peer.call("tests.run", {"mode": "edit", "filter": {"names": ["Game.Tests.SlowTests"]}})["result"]["run"]
    h.expect("test", event="run_started", run=run_id)
    cancelled, seen = window(h, "cancel")
    assert cancelled is True, cancelled
    seen += window_idle(h)
    ended = [m for m in seen if m.get("t") == "test" and m["event"] == "run_finished"]
    assert len(ended) == (1 if wound_down else 0), ended
    if reload:
        seen += h.messages_until_reply("host.reload")
        seen.append(h.expect("hello"))
    _, more = window(h, "run", names=[FIXTURE + ".Adds"])
    seen += more + window_idle(h)
    sent = [m for m in seen if m.get("t") == "test"]
    assert len(sent) == 1 and sent[0]["event"] == "run_finished" and sent[0]["run"] == run_id, sent
    assert sent[0]["cancelled"] is True and sent[0]["passed"] == 0, sent[0]
    # Neovim's next run is its own again.
    again, messages, _ = run_messages(h, {"mode": "edit", "filter": {"names": [FIXTURE + ".Adds"]}})
    assert again != run_id and [m["event"] for m in messages] == ["run_started", "finished", "run_finished"], messages
    assert not h.peer.call("tests.cancel", {"run": run_id})["ok"]


def test_a_run_cancelled_in_unitys_window_is_over(h):
    cancelled_in_unitys_window(h)


def test_cancel_after_a_cancel_in_unitys_window_ends_the_run(h):
    # Neovim still shows the run going (Unity told nothing); its cancel ends it there too.
    add_tests(h)
    run_id = h.peer.call("tests.run", {"mode": "edit", "filter": {"names": ["Game.Tests.SlowTests"]}})["result"]["run"]
    h.expect("test", event="run_started", run=run_id)
    assert window(h, "cancel")[0] is True
    window_idle(h)
    seen = h.messages_until_reply("tests.cancel", {"run": run_id})
    assert seen[-1]["ok"] and seen[-1]["result"] == {"cancelled": True}, seen[-1]
    end = h.expect("test", seen, event="run_finished")
    assert end["run"] == run_id and end["cancelled"] is True, end


def test_a_run_cancelled_in_unitys_window_is_over_after_a_reload_too(h):
    # The run is kept across the reload; the next RunStarted is still another run's.
    cancelled_in_unitys_window(h, reload=True)


@framework("1.3.9")
def test_a_run_cancelled_in_unitys_window_on_1_3(h):
    cancelled_in_unitys_window(h)


@framework("1.1.33")
def test_a_run_cancelled_in_unitys_window_on_1_1(h):
    cancelled_in_unitys_window(h, wound_down=True)


@framework("1.1.33")
def test_cancel_where_the_test_framework_cannot(h):
    add_tests(h)
    refuses_to_cancel(h)


@framework("1.3.9")
def test_on_test_framework_1_3_the_package_compiles_and_cannot_cancel(h):
    # CancelTestRun is internal in 1.3.2-1.3.9: a package calling it there would not compile
    # (build.sh builds the test assembly with 1.3.9's versionDefines against 1.3.9's surface).
    # Loaded, it lists with arguments (1.3.0's) and refuses to cancel, naming 1.4.0.
    add_tests(h)
    case = listed(h, "edit")[FIXTURE + ".Sums(2,2,5)"]
    assert case["arguments"] == ["2", "2", "5"], case
    refuses_to_cancel(h)


@framework("none")
def test_without_the_test_framework_a_clear_error(h):
    h.connect()
    for name in ("tests.list", "tests.run", "tests.cancel"):
        reply = h.peer.call(name, {"mode": "edit"})
        assert reply == {"t": "reply", "id": reply["id"], "ok": False, "error": NOT_INSTALLED}, reply
    other = h.peer.call("tests.other")
    assert other["error"] == "no command named 'tests.other' is registered in Unity", other


if __name__ == "__main__":
    sys.exit(T.main(sys.argv, globals()))
