using System.Runtime.CompilerServices;

// The test-run commands live in their own assembly (Editor/Tests), compiled only when the
// project has the Unity Test Framework; they reply and send frames through the bridge's internals.
[assembly: InternalsVisibleTo("UnityNvim.Bridge.Tests.Editor")]
