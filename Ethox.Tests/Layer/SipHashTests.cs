using System;
using Ethox.Layer.Common;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class SipHashTests
{
    [Test]
    public void Matches_the_reference_vectors_of_the_siphash_paper()
    {
        // Key 00..0f; messages 00..(n-1). Vectors from the SipHash paper, appendix A / vectors.h.
        var key = new byte[16];
        for (int i = 0; i < 16; i++) key[i] = (byte)i;
        var h = new SipHash(key);
        var msg = new byte[64];
        for (int i = 0; i < 64; i++) msg[i] = (byte)i;
        Assert.That(h.Hash(msg.AsSpan(0, 0)), Is.EqualTo(0x726fdb47dd0e0e31UL));
        Assert.That(h.Hash(msg.AsSpan(0, 1)), Is.EqualTo(0x74f839c593dc67fdUL));
        Assert.That(h.Hash(msg.AsSpan(0, 15)), Is.EqualTo(0xa129ca6149be45e5UL));
        Assert.That(h.Hash(msg.AsSpan(0, 63)), Is.EqualTo(0x958a324ceb064572UL));
    }
}
