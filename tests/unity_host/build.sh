#!/usr/bin/env bash
# Builds the stand-in Unity host into target/unity-host/: stub UnityEngine/UnityEditor, the
# package (unity/Editor/**/*.cs at C# 7, as Unity 2021.3 must also accept it), the host's game
# code, the host driver and the C# unit tests. Installs Mono when mcs is missing. Does nothing
# when no source is newer than the last build.
#
# `build.sh --dotnet FRAMEWORK_DIR OUT` builds the host, the package with UNITY_EDITOR_WIN and the
# unit tests for .NET Core instead (what tests/windows/ runs under wine): mcs compiles against
# that runtime's own assemblies, as Mono's mscorlib holds types that .NET Core's mscorlib facade
# does not forward (Stack<T>, say). No Test Framework variants: they need Mono's NUnit.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # `sh script` (as the Makefile runs it) re-runs under bash
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/unity_host"
out="$root/target/unity-host"
corlib=()
if [ "${1:-}" = --dotnet ]; then
    framework=$2 out=$3
    corlib=(-nostdlib -define:NETCOREAPP -nowarn:1702)
    for dll in "$framework"/System.*.dll "$framework"/Microsoft.*.dll; do
        case $dll in *.Native.*|*DiaSymReader*) ;; *) corlib+=(-r:"$dll") ;; esac
    done
fi
stamp="$out/.built"

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "build.sh: installing Mono (mono-mcs mono-runtime)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y mono-mcs mono-runtime >&2 || { apt-get update >&2 && apt-get install -y mono-mcs mono-runtime >&2; }
fi

# NUnit for the sample project's test assembly (Debian's stands in for com.unity.ext.nunit).
if [ -z "${framework:-}" ] && command -v apt-get >/dev/null 2>&1 && ! ls /usr/lib/cli/nunit.framework-*/nunit.framework.dll >/dev/null 2>&1; then
    echo "build.sh: installing NUnit (libnunit-cil-dev)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y libnunit-cil-dev >&2 || { apt-get update >&2 && apt-get install -y libnunit-cil-dev >&2; }
fi

if [ -f "$stamp" ] && [ -z "$(find "$root/unity/Editor" "$here" \( -name '*.cs' -o -name '*.asmdef' -o -name version_defines.py -o -name sources.txt \) -newer "$stamp" -print -quit)" ] \
    && [ "$stamp" -nt "$0" ]; then
    exit 0
fi

mkdir -p "$out"
cs() { mcs -langversion:7 -debug -nowarn:1591 "${corlib[@]}" "$@"; }

cs -target:library -out:"$out/UnityEngine.dll" "$here/stubs/UnityEngine.cs" "$here/stubs/ImmediateGUI.cs" "$here/stubs/ScriptableObject.cs"
cs -target:library -r:"$out/UnityEngine.dll" -out:"$out/UnityEditor.dll" "$here/stubs/UnityEditor.cs" "$here/stubs/CodeEditor.cs" "$here/stubs/Compilation.cs" "$here/stubs/Debugging.cs" "$here/stubs/EditorGUILayout.cs"
# The package's editor assembly: every script under unity/Editor but the Tests folder, which has
# an asmdef of its own (as Unity assigns scripts to the nearest asmdef above them).
mapfile -t package < <(find "$root/unity/Editor" -name '*.cs' -not -path "$root/unity/Editor/Tests/*" | sort)
package_defines=()
[ -z "${framework:-}" ] || package_defines=(-define:"UNITY_EDITOR;UNITY_EDITOR_WIN")
cs -target:library -warnaserror "${package_defines[@]}" -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" \
    -out:"$out/UnityNvim.Bridge.Editor.dll" "${package[@]}"
cs -target:library -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" -r:"$out/UnityNvim.Bridge.Editor.dll" \
    -out:"$out/UnityHost.Game.dll" "$here"/game/*.cs
cs -target:exe -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" -out:"$out/UnityHost.exe" "$here"/host/*.cs
# The unit tests compile the package's Unity-free core directly (its types are internal), and the
# project file text against the stub UnityEditor.dll; unit/sources.txt names those files (the
# windows-latest CI job reads the same list).
mapfile -t core < <(sed "s|^|$root/|" "$here/unit/sources.txt")
cs -target:exe -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" -out:"$out/UnitTests.exe" "$here"/unit/*.cs "${core[@]}"
if [ -n "${framework:-}" ]; then
    for exe in UnityHost UnitTests; do
        echo '{"runtimeOptions":{"tfm":"netcoreapp3.1","framework":{"name":"Microsoft.NETCore.App","version":"3.1.0"}}}' \
            >"$out/$exe.runtimeconfig.json"
    done
    touch "$stamp"
    exit 0
fi
# Unity compiles the package on each editor's system with that system's defines: a Windows- or
# macOS-only compile error must fail here too (the system itself is picked at run time).
for system in UNITY_EDITOR_WIN UNITY_EDITOR_OSX; do
    mkdir -p "$out/$system"
    cs -target:library -warnaserror -define:"UNITY_EDITOR;$system" -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" \
        -out:"$out/$system/UnityNvim.Bridge.Editor.dll" "${package[@]}"
done
# The Test Framework (stub API and the stand-in runner) and the package's test assembly, which
# Unity compiles only with com.unity.test-framework: once per modelled version (host/TestFramework.cs),
# with the stub surface of that version and the defines the asmdef's versionDefines give for it.
cs -target:library -r:"$out/UnityEngine.dll" -out:"$out/UnityEngine.TestRunner.dll" "$here/stubs/UnityTestAttribute.cs"
asmdef="$root/unity/Editor/Tests/UnityNvim.Bridge.Tests.Editor.asmdef"
for variant in "tf:1.4.6:TF_1_3;TF_1_4" "tf-1.3:1.3.9:TF_1_3" "tf-1.1:1.1.33:TF_1_1"; do
    IFS=: read -r dir version stub <<<"$variant"
    defines=$(python3 "$here/version_defines.py" "$asmdef" com.unity.test-framework "$version")
    mkdir -p "$out/$dir"
    cs -target:library -define:"$stub" -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" -out:"$out/$dir/UnityEditor.TestRunner.dll" \
        "$here/stubs/TestRunnerApi.cs" "$here/stubs/NUnitInterfaces.cs" "$here"/testrunner/*.cs
    # In Unity a test assembly that does not compile is a compile error in the user's project.
    cs -target:library -warnaserror -define:"$defines" -r:"$out/UnityEngine.dll" -r:"$out/UnityEditor.dll" \
        -r:"$out/UnityNvim.Bridge.Editor.dll" -r:"$out/$dir/UnityEditor.TestRunner.dll" -r:"$out/UnityEngine.TestRunner.dll" \
        -out:"$out/$dir/UnityNvim.Bridge.Tests.Editor.dll" "$root"/unity/Editor/Tests/*.cs \
        || { echo "build.sh: the package's test assembly does not compile against Test Framework $version (defines: $defines): a project with that version would have compile errors" >&2; exit 1; }
done
touch "$stamp"
