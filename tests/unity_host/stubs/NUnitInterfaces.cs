// Stand-in for the NUnit 3 interfaces the Test Framework's API exposes (ITestAdaptor.TypeInfo,
// .Method). In Unity they live in com.unity.ext.nunit's nunit.framework.dll (NUnit 3.5);
// Debian's NUnit 2.6 has no NUnit.Framework.Interfaces, so the stub assembly carries the
// members used, with NUnit 3's signatures (src/NUnitFramework/framework/Interfaces/ITypeInfo.cs,
// IMethodInfo.cs).
using System;
using System.Reflection;

namespace NUnit.Framework.Interfaces
{
    public interface ITypeInfo
    {
        Type Type { get; }
        string Name { get; }
        string FullName { get; }
        string Namespace { get; }
        Assembly Assembly { get; }
    }

    public interface IMethodInfo
    {
        ITypeInfo TypeInfo { get; }
        MethodInfo MethodInfo { get; }
        string Name { get; }
    }
}
