//! The simulated editor's Test Framework: `tests.list`, `tests.run` and `tests.cancel` as
//! doc/protocol.md describes them, over a test tree the spec gives with `sim.tests`.
//!
//! `sim.tests {tests = [{full_name, status?, ms?, message?, stack?, output?, file?, line?,
//! categories?, assembly?}], installed?, ms_per_test?, reload_after?, flood?, fail_every?}`:
//! `installed = false` is a project without com.unity.test-framework; `ms_per_test` paces the
//! results; `reload_after = k` reloads the domain after the k-th result (a PlayMode run);
//! `flood = n` makes n tests (every `fail_every`-th fails, with a stack into its file) for the
//! bench. The last run's messages are kept, as Unity keeps them in SessionState, and replayed
//! with `replay = true` to every Neovim that says hello.

use rmpv::Value;
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use unity_native::protocol::{FromUnity, Test, TestCounts, TestEvent, TestResult, TestStatus};

pub const NOT_INSTALLED: &str = "the Unity Test Framework is not installed in this project: \
add com.unity.test-framework in Window > Package Manager, then retry";

/// One leaf test and the outcome it will have.
#[derive(Debug, Clone)]
struct SimTest {
    result: TestResult,
    categories: Vec<String>,
    assembly: String,
}

struct ActiveRun {
    id: String,
    queue: VecDeque<TestResult>,
    counts: TestCounts,
    started: Instant,
    next_at: Instant,
    sent: usize,
}

/// What the editor must do after a command or a tick.
#[derive(Default)]
pub struct Outcome {
    /// Messages to send, in order.
    pub send: Vec<FromUnity>,
    /// Reload the domain now (a PlayMode run entering play mode).
    pub reload: bool,
}

pub struct TestRunner {
    installed: bool,
    tests: Vec<SimTest>,
    ms_per_test: u64,
    reload_after: Option<usize>,
    active: Option<ActiveRun>,
    /// The last run's messages, replayed on hello.
    kept: Vec<FromUnity>,
    runs: u64,
}

impl Default for TestRunner {
    fn default() -> Self {
        Self {
            installed: true,
            tests: Vec::new(),
            ms_per_test: 0,
            reload_after: None,
            active: None,
            kept: Vec::new(),
            runs: 0,
        }
    }
}

fn get<'a>(args: &'a Option<Value>, key: &str) -> Option<&'a Value> {
    field(args.as_ref()?, key)
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_map()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

fn text(v: &Value, key: &str) -> Option<String> {
    field(v, key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn status(s: &str) -> TestStatus {
    match s {
        "failed" => TestStatus::Failed,
        "skipped" => TestStatus::Skipped,
        "inconclusive" => TestStatus::Inconclusive,
        _ => TestStatus::Passed,
    }
}

/// The last segment of a full name; dots inside a case's arguments do not count.
fn leaf_name(full: &str) -> &str {
    let head = full.find('(').unwrap_or(full.len());
    full[..head].rfind('.').map_or(full, |i| &full[i + 1..])
}

/// True when `name` is `full` or one of its suites (NUnit runs a matching suite's tests).
fn selects(name: &str, full: &str) -> bool {
    full == name
        || (full.starts_with(name) && matches!(full.as_bytes().get(name.len()), Some(b'.' | b'(')))
}

impl TestRunner {
    /// Answers a `tests.*` or `sim.tests` command; None for any other name.
    pub fn command(
        &mut self,
        name: &str,
        args: &Option<Value>,
        out: &mut Outcome,
    ) -> Option<Result<Option<Value>, String>> {
        if name == "sim.tests" {
            self.configure(args);
            return Some(Ok(Some(Value::from(self.tests.len()))));
        }
        if !name.starts_with("tests.") {
            return None;
        }
        if !self.installed {
            return Some(Err(NOT_INSTALLED.into()));
        }
        let mode = get(args, "mode")
            .and_then(Value::as_str)
            .unwrap_or("edit")
            .to_owned();
        Some(match name {
            "tests.list" => Ok(Some(Value::Map(vec![
                ("mode".into(), mode.into()),
                ("root".into(), self.tree()),
            ]))),
            "tests.run" => Ok(Some(self.start(&mode, get(args, "filter"), out))),
            "tests.cancel" => match self.active.take() {
                Some(mut run) => {
                    run.counts.cancelled = true;
                    self.finish(run, out);
                    Ok(Some(Value::Map(vec![("cancelled".into(), true.into())])))
                }
                None => Err("no test run is going on".into()),
            },
            other => Err(format!("no command named '{other}' is registered in Unity")),
        })
    }

    fn configure(&mut self, args: &Option<Value>) {
        self.installed = get(args, "installed").and_then(Value::as_bool) != Some(false);
        self.ms_per_test = get(args, "ms_per_test")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        self.reload_after = get(args, "reload_after")
            .and_then(Value::as_u64)
            .map(|k| k as usize);
        self.tests = match get(args, "flood").and_then(Value::as_u64) {
            Some(n) => {
                let every = get(args, "fail_every")
                    .and_then(Value::as_u64)
                    .unwrap_or(10);
                (0..n).map(|i| flood_test(i, every)).collect()
            }
            None => get(args, "tests")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(sim_test).collect())
                .unwrap_or_default(),
        };
    }

    /// The tree `tests.list` answers: an assembly suite, then one suite per name segment.
    fn tree(&self) -> Value {
        #[derive(Default)]
        struct Node {
            full: String,
            children: Vec<(String, Node)>,
            leaf: Option<usize>,
        }
        let mut root = Node {
            full: "Tests".into(),
            ..Node::default()
        };
        for (i, t) in self.tests.iter().enumerate() {
            let full = &t.result.full_name;
            let head = full.find('(').unwrap_or(full.len());
            let mut segments: Vec<&str> = full[..head].split('.').collect();
            if head < full.len() {
                // A case of a parameterised method sits under the method's suite.
                segments.push(&full[full[..head].rfind('.').map_or(0, |d| d + 1)..]);
            }
            let mut node = &mut root;
            let mut path = String::new();
            for (depth, seg) in segments.iter().enumerate() {
                let last = depth + 1 == segments.len();
                path = if last {
                    full.clone()
                } else if path.is_empty() {
                    (*seg).to_owned()
                } else {
                    format!("{path}.{seg}")
                };
                let at = match node.children.iter().position(|(n, _)| n == seg) {
                    Some(at) => at,
                    None => {
                        node.children.push((
                            (*seg).to_owned(),
                            Node {
                                full: path.clone(),
                                ..Node::default()
                            },
                        ));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[at].1;
            }
            node.leaf = Some(i);
        }
        fn value(name: &str, n: &Node, tests: &[SimTest]) -> Value {
            let mut m: Vec<(Value, Value)> = vec![
                ("full_name".into(), n.full.as_str().into()),
                ("name".into(), name.into()),
                ("suite".into(), n.leaf.is_none().into()),
            ];
            let cats = n
                .leaf
                .map(|i| tests[i].categories.clone())
                .unwrap_or_default();
            m.push((
                "categories".into(),
                Value::Array(cats.into_iter().map(Value::from).collect()),
            ));
            if let Some(t) = n.leaf.map(|i| &tests[i].result) {
                if let Some(f) = &t.file {
                    m.push(("file".into(), f.as_str().into()));
                }
                if let Some(l) = t.line {
                    m.push(("line".into(), l.into()));
                }
            } else {
                let kids = n
                    .children
                    .iter()
                    .map(|(name, c)| value(name, c, tests))
                    .collect();
                m.push(("children".into(), Value::Array(kids)));
            }
            Value::Map(m)
        }
        value("Tests", &root, &self.tests)
    }

    fn start(&mut self, mode: &str, filter: Option<&Value>, out: &mut Outcome) -> Value {
        if let Some(old) = self.active.take() {
            self.finish(old, out);
        }
        let names = strings(filter.and_then(|f| field(f, "names")));
        // Unity's group names are regular expressions; the simulation takes `^prefix`.
        let groups: Vec<String> = strings(filter.and_then(|f| field(f, "groups")))
            .into_iter()
            .map(|g| g.trim_start_matches('^').replace("\\.", "."))
            .collect();
        let categories = strings(filter.and_then(|f| field(f, "categories")));
        let assemblies = strings(filter.and_then(|f| field(f, "assemblies")));
        let queue: VecDeque<TestResult> = self
            .tests
            .iter()
            .filter(|t| {
                let full = &t.result.full_name;
                (names.is_empty() || names.iter().any(|n| selects(n, full)))
                    && (groups.is_empty() || groups.iter().any(|g| full.starts_with(g.as_str())))
                    && (categories.is_empty()
                        || t.categories.iter().any(|c| categories.contains(c)))
                    && (assemblies.is_empty() || assemblies.contains(&t.assembly))
            })
            .map(|t| t.result.clone())
            .collect();
        self.runs += 1;
        let id = format!("sim-run-{}-{}", std::process::id(), self.runs);
        let now = Instant::now();
        self.kept.clear();
        self.emit(
            &id,
            TestEvent::RunStarted {
                mode: mode.to_owned(),
                total: queue.len() as u32,
            },
            out,
        );
        self.active = Some(ActiveRun {
            id: id.clone(),
            queue,
            counts: TestCounts {
                passed: 0,
                failed: 0,
                skipped: 0,
                inconclusive: 0,
                ms: 0,
                cancelled: false,
            },
            started: now,
            next_at: now,
            sent: 0,
        });
        Value::Map(vec![("run".into(), id.into())])
    }

    /// Sends the results that are due; `reloading` holds them back (no domain runs code then).
    pub fn tick(&mut self, now: Instant, reloading: bool, out: &mut Outcome) {
        let Some(mut run) = self.active.take() else {
            return;
        };
        while !reloading && now >= run.next_at {
            let Some(result) = run.queue.pop_front() else {
                self.finish(run, out);
                return;
            };
            let c = &mut run.counts;
            match result.status {
                TestStatus::Passed => c.passed += 1,
                TestStatus::Failed => c.failed += 1,
                TestStatus::Skipped => c.skipped += 1,
                TestStatus::Inconclusive => c.inconclusive += 1,
            }
            self.emit(&run.id, TestEvent::Finished(result), out);
            run.sent += 1;
            run.next_at += Duration::from_millis(self.ms_per_test);
            if Some(run.sent) == self.reload_after {
                out.reload = true;
                break;
            }
        }
        self.active = Some(run);
    }

    fn finish(&mut self, mut run: ActiveRun, out: &mut Outcome) {
        run.counts.ms = run.started.elapsed().as_millis() as u64;
        self.emit(&run.id, TestEvent::RunFinished(run.counts), out);
    }

    fn emit(&mut self, run: &str, event: TestEvent, out: &mut Outcome) {
        let msg = Test {
            run: run.to_owned(),
            replay: false,
            event,
        };
        self.kept.push(FromUnity::Test(Test {
            replay: true,
            ..msg.clone()
        }));
        out.send.push(FromUnity::Test(msg));
    }

    /// The kept run, as replayed to a Neovim that says hello.
    pub fn replay(&self) -> &[FromUnity] {
        &self.kept
    }
}

fn sim_test(v: &Value) -> Option<SimTest> {
    let full_name = text(v, "full_name")?;
    Some(SimTest {
        result: TestResult {
            name: leaf_name(&full_name).to_owned(),
            status: status(&text(v, "status").unwrap_or_default()),
            ms: field(v, "ms").and_then(Value::as_u64).unwrap_or(1),
            message: text(v, "message"),
            stack: text(v, "stack"),
            output: text(v, "output"),
            file: text(v, "file"),
            line: field(v, "line").and_then(Value::as_u64).map(|l| l as u32),
            state: text(v, "state"),
            full_name,
        },
        categories: strings(field(v, "categories")),
        assembly: text(v, "assembly").unwrap_or_else(|| "Tests".into()),
    })
}

/// The bench's tests: 50 fixtures in 50 files, each with every `every`-th of its tests failing
/// at a line of its file.
fn flood_test(i: u64, every: u64) -> SimTest {
    let fixture = i % 50;
    let file = format!("Assets/Tests/Flood{fixture}Tests.cs");
    let line = (i / 50 % 1000) as u32 * 4 + 3;
    let failed = every > 0 && (i / 50) % every == every - 1;
    let full_name = format!("Flood.Flood{fixture}Tests.Case{i}");
    SimTest {
        result: TestResult {
            name: leaf_name(&full_name).to_owned(),
            status: if failed {
                TestStatus::Failed
            } else {
                TestStatus::Passed
            },
            ms: 1,
            message: failed.then(|| format!("Expected: {i}\n  But was:  {}", i + 1)),
            stack: failed.then(|| {
                format!(
                    "NUnit.Framework.Assert.AreEqual (object,object) (at <0a1b2c3d>:0)\n\
                     Flood.Flood{fixture}Tests:Case{i} () (at {file}:{})",
                    line + 1
                )
            }),
            output: None,
            state: None,
            file: Some(file),
            line: Some(line),
            full_name,
        },
        categories: Vec::new(),
        assembly: "Flood.Tests".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(out: &Outcome) -> Vec<String> {
        out.send
            .iter()
            .filter_map(|m| match m {
                FromUnity::Test(Test {
                    event: TestEvent::Finished(r),
                    ..
                }) => Some(r.full_name.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn names_select_suites_and_cases() {
        assert!(selects("A.B", "A.B.C"));
        assert!(selects("A.B.C", "A.B.C(1,2)"));
        assert!(!selects("A.B", "A.BC.D"));
        assert_eq!(leaf_name("A.B.C(1.5,\"x.y\")"), "C(1.5,\"x.y\")");
    }

    #[test]
    fn a_run_reloads_after_the_kth_result_and_holds_results_while_reloading() {
        let mut r = TestRunner::default();
        let mut out = Outcome::default();
        let args = Some(Value::Map(vec![
            ("flood".into(), 4.into()),
            ("reload_after".into(), 2.into()),
        ]));
        r.command("sim.tests", &args, &mut out);
        r.command("tests.run", &None, &mut out);
        let now = Instant::now();
        r.tick(now, false, &mut out);
        assert!(out.reload);
        assert_eq!(names(&out).len(), 2);
        r.tick(now, true, &mut out);
        assert_eq!(names(&out).len(), 2, "nothing runs during the reload");
        r.tick(now, false, &mut out);
        assert_eq!(names(&out).len(), 4);
        assert!(matches!(
            out.send.last(),
            Some(FromUnity::Test(Test {
                event: TestEvent::RunFinished(TestCounts { passed: 4, .. }),
                ..
            }))
        ));
        assert!(r
            .replay()
            .iter()
            .all(|m| matches!(m, FromUnity::Test(t) if t.replay)));
    }

    #[test]
    fn without_the_framework_every_command_says_so() {
        let mut r = TestRunner::default();
        let mut out = Outcome::default();
        let args = Some(Value::Map(vec![("installed".into(), false.into())]));
        r.command("sim.tests", &args, &mut out);
        for name in ["tests.list", "tests.run", "tests.cancel"] {
            assert_eq!(
                r.command(name, &None, &mut out),
                Some(Err(NOT_INSTALLED.into()))
            );
        }
        assert_eq!(r.command("play", &None, &mut out), None);
    }

    #[test]
    fn a_run_sends_started_results_and_finished_and_keeps_them() {
        let mut r = TestRunner::default();
        let mut out = Outcome::default();
        let args = Some(Value::Map(vec![("flood".into(), 20.into())]));
        r.command("sim.tests", &args, &mut out);
        let filter = Value::Map(vec![(
            "names".into(),
            Value::Array(vec!["Flood.Flood3Tests".into()]),
        )]);
        let args = Some(Value::Map(vec![("filter".into(), filter)]));
        r.command("tests.run", &args, &mut out);
        r.tick(Instant::now(), false, &mut out);
        assert_eq!(names(&out), ["Flood.Flood3Tests.Case3"]);
        assert_eq!(out.send.len(), 3);
        assert_eq!(r.replay().len(), 3);
    }
}
