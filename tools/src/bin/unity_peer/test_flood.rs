//! `unity-peer editor --test-flood N`: the benchmark's flood of `test` messages (make bench,
//! step 12). Every `tests.run` is answered with one run of N results, all at once: test i is
//! `Flood.Flood<i % 50>Tests.Case<i>` in Assets/Tests/Flood<i % 50>Tests.cs, and every
//! `fail_every`-th block of 50 fails with a stack into its file. No filter, list, cancel or
//! replay: Unity's Test Framework is the stand-in host's (tests/unity_host/).

use unity_native::protocol::{FromUnity, Test, TestCounts, TestEvent, TestResult, TestStatus};

pub struct TestFlood {
    pub count: u64,
    pub fail_every: u64,
}

impl TestFlood {
    /// The messages of run `run`: started, each result, finished.
    pub fn run(&self, run: &str) -> Vec<FromUnity> {
        let message = |event| {
            FromUnity::Test(Test {
                run: run.to_owned(),
                replay: false,
                event,
            })
        };
        let mut counts = TestCounts {
            passed: 0,
            failed: 0,
            skipped: 0,
            inconclusive: 0,
            ms: self.count,
            cancelled: false,
        };
        let mut out = vec![message(TestEvent::RunStarted {
            mode: "edit".into(),
            total: self.count as u32,
        })];
        for i in 0..self.count {
            let result = self.result(i);
            match result.status {
                TestStatus::Failed => counts.failed += 1,
                _ => counts.passed += 1,
            }
            out.push(message(TestEvent::Finished(result)));
        }
        out.push(message(TestEvent::RunFinished(counts)));
        out
    }

    fn result(&self, i: u64) -> TestResult {
        let fixture = i % 50;
        let file = format!("Assets/Tests/Flood{fixture}Tests.cs");
        let line = (i / 50 % 1000) as u32 * 4 + 3;
        let failed = self.fail_every > 0 && (i / 50) % self.fail_every == self.fail_every - 1;
        TestResult {
            name: format!("Case{i}"),
            full_name: format!("Flood.Flood{fixture}Tests.Case{i}"),
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
        }
    }
}
