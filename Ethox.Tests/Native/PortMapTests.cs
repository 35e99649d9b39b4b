using System.Collections.Generic;
using Ethox.Native;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>The table from local port to socket: found after any order of additions and removals (backward-shift deletion).</summary>
public class PortMapTests
{
    [Test]
    public void Ports_are_found_after_random_additions_and_removals_at_full_capacity()
    {
        var map = new PortMap(64);
        var model = new Dictionary<ushort, int>();
        var random = new System.Random(6056);
        for (int step = 0; step < 50_000; step++)
        {
            ushort port = (ushort)random.Next(1, 200); // few ports: long runs of collisions
            if (model.ContainsKey(port))
            {
                map.Remove(port);
                model.Remove(port);
            }
            else if (model.Count < 64)
            {
                map.Add(port, step);
                model[port] = step;
            }
            ushort probe = (ushort)random.Next(1, 200);
            Assert.That(map.Find(probe), Is.EqualTo(model.TryGetValue(probe, out int s) ? s : -1), $"step {step}");
        }
        Assert.That(map.Find(0), Is.EqualTo(-1));
    }
}
