using Ethox.Tests.Nic;
using NUnit.Framework;

namespace Ethox.Tests;

/// <summary>After every test of the run: deletes the network namespaces a kernel test of this process failed to delete.</summary>
[SetUpFixture]
public class KernelLeftovers
{
    [OneTimeTearDown]
    public void Sweep() => Kernel.SweepLeftovers();
}
