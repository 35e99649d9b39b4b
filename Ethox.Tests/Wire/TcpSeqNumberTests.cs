using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class TcpSeqNumberTests
{
    private static TcpSeqNumber S(uint v) => new(v);

    [Test]
    public void Comparison_holds_across_wrap_around_rfc9293_section_3_4()
    {
        Assert.That(S(0xFFFF_FFF0) < S(0x10), Is.True);
        Assert.That(S(0x10) > S(0xFFFF_FFF0), Is.True);
        Assert.That(S(0x10) <= S(0xFFFF_FFF0), Is.False);
        Assert.That(S(0xFFFF_FFF0) >= S(0x10), Is.False);
        Assert.That(S(5) <= S(5) && S(5) >= S(5), Is.True);
        Assert.That(S(0x7FFF_FFFF) > S(0), Is.True, "just under half the space ahead is after");
        Assert.That(S(0x8000_0001) < S(0), Is.True, "just over half the space ahead is before");
    }

    [Test]
    public void Arithmetic_wraps_modulo_2_to_the_32()
    {
        Assert.That((S(0xFFFF_FFFF) + 1).Value, Is.EqualTo(0u));
        Assert.That((S(0) - 1).Value, Is.EqualTo(0xFFFF_FFFFu));
        Assert.That((S(10) + -20).Value, Is.EqualTo(0xFFFF_FFF6u));
        Assert.That(S(0x10) - S(0xFFFF_FFF0), Is.EqualTo(0x20));
        Assert.That(S(0xFFFF_FFF0) - S(0x10), Is.EqualTo(-0x20));
        Assert.That(TcpSeqNumber.Max(S(0xFFFF_FFF0), S(0x10)), Is.EqualTo(S(0x10)));
        Assert.That(TcpSeqNumber.Min(S(0xFFFF_FFF0), S(0x10)), Is.EqualTo(S(0xFFFF_FFF0)));
    }

    [Test]
    public void Window_membership_wraps_and_an_empty_window_holds_nothing()
    {
        var start = S(0xFFFF_FF00);
        Assert.That(S(0xFFFF_FF00).IsInWindow(start, 0x200), Is.True);
        Assert.That(S(0x50).IsInWindow(start, 0x200), Is.True);
        Assert.That(S(0xFF).IsInWindow(start, 0x200), Is.True);
        Assert.That(S(0x100).IsInWindow(start, 0x200), Is.False, "the end is exclusive");
        Assert.That(S(0xFFFF_FEFF).IsInWindow(start, 0x200), Is.False);
        Assert.That(start.IsInWindow(start, 0), Is.False);
    }

    [Test]
    public void Numbers_half_the_space_apart_have_no_order_rfc1982_section_3_2()
    {
        // Undefined by RFC 1982; documented behaviour: each is "before" the other, as in Linux.
        Assert.That(S(0) < S(0x8000_0000) && S(0x8000_0000) < S(0), Is.True);
    }

    [Test]
    public void Random_offsets_order_by_sign_of_the_offset()
    {
        var rng = new Random(1982);
        for (int i = 0; i < 100_000; i++)
        {
            var a = S((uint)rng.NextInt64(0, 1L << 32));
            int d = rng.Next(int.MinValue + 1, int.MaxValue);
            var b = a + d;
            if ((b > a) != (d > 0) || (b < a) != (d < 0) || (b == a) != (d == 0) || b - a != d || b - d != a)
                Assert.Fail($"a={a.Value} d={d}");
        }
    }
}
