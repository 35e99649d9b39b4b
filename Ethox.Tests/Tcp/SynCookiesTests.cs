using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class SynCookiesTests
{
    private static readonly SynCookies Cookies = new(new SipHash(0x4987, 0x36));
    private static readonly FourTuple Tuple = Tuples.V4(80, 40000);
    private static readonly TcpSeqNumber ClientIsn = new(0xdeadbeef);
    // The start of a period, so ages are easy to reason about: period 1000.
    private static readonly Instant PeriodStart = new(1000 * 64_000_000L);

    [Test]
    public void A_cookie_round_trips_with_the_mss()
    {
        var cookie = Cookies.Encode(Tuple, ClientIsn, 1460, PeriodStart);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart, out ushort mss), Is.True);
        Assert.That(mss, Is.EqualTo(1460));
        var v6 = Tuples.V6(443, 50000);
        cookie = Cookies.Encode(v6, ClientIsn, 1440, PeriodStart);
        Assert.That(Cookies.TryDecode(v6, ClientIsn, cookie, PeriodStart + Duration.FromSeconds(30), out mss), Is.True);
        Assert.That(mss, Is.EqualTo(1440));
    }

    [Test]
    public void Every_table_mss_round_trips_and_others_round_down()
    {
        var values = SynCookies.MssValues.ToArray();
        Assert.That(values, Is.Ordered.Ascending);
        Assert.That(values, Has.Length.EqualTo(8), "3 bits of the cookie");
        foreach (ushort value in values)
        {
            var cookie = Cookies.Encode(Tuple, ClientIsn, value, PeriodStart);
            Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart, out ushort mss), Is.True);
            Assert.That(mss, Is.EqualTo(value));
            Assert.That(SynCookies.RoundMss(value), Is.EqualTo(value));
        }
        Assert.That(SynCookies.RoundMss(1459), Is.EqualTo(1452));
        Assert.That(SynCookies.RoundMss(1432), Is.EqualTo(1400), "IPv6 over PPPoE");
        Assert.That(SynCookies.RoundMss(8960), Is.EqualTo(8940), "IPv4 jumbo");
        Assert.That(SynCookies.RoundMss(65535), Is.EqualTo(8940));
        Assert.That(SynCookies.RoundMss(1000), Is.EqualTo(536));
        Assert.That(SynCookies.RoundMss(100), Is.EqualTo(536), "below the table: the IPv4 minimum every host accepts");
        for (int mss = 536; mss <= 9000; mss++)
        {
            var cookie = Cookies.Encode(Tuple, ClientIsn, (ushort)mss, PeriodStart);
            Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart, out ushort decoded), Is.True);
            if (decoded > mss || decoded != SynCookies.RoundMss((ushort)mss)) Assert.Fail($"{mss} decoded as {decoded}");
        }
    }

    [Test]
    public void A_cookie_with_any_bit_flipped_is_refused()
    {
        var cookie = Cookies.Encode(Tuple, ClientIsn, 1460, PeriodStart + Duration.FromSeconds(70));
        var now = PeriodStart + Duration.FromSeconds(100);
        for (int bit = 0; bit < 32; bit++)
        {
            var tampered = new TcpSeqNumber(cookie.Value ^ 1u << bit);
            Assert.That(Cookies.TryDecode(Tuple, ClientIsn, tampered, now, out ushort mss), Is.False, $"bit {bit}");
            Assert.That(mss, Is.Zero);
        }
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, now, out _), Is.True);
    }

    [Test]
    public void A_cookie_is_refused_for_another_tuple_or_another_client_isn()
    {
        var cookie = Cookies.Encode(Tuple, ClientIsn, 1460, PeriodStart);
        Assert.That(Cookies.TryDecode(Tuples.V4(80, 40001), ClientIsn, cookie, PeriodStart, out _), Is.False);
        Assert.That(Cookies.TryDecode(Tuples.V4(81, 40000), ClientIsn, cookie, PeriodStart, out _), Is.False);
        Assert.That(Cookies.TryDecode(Tuples.V6(80, 40000), ClientIsn, cookie, PeriodStart, out _), Is.False);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn + 1, cookie, PeriodStart, out _), Is.False);
        Assert.That(new SynCookies(new SipHash(0x4987, 0x37)).TryDecode(Tuple, ClientIsn, cookie, PeriodStart, out _), Is.False, "other key");
    }

    [Test]
    public void A_cookie_is_accepted_for_two_periods_and_refused_after()
    {
        var cookie = Cookies.Encode(Tuple, ClientIsn, 1460, PeriodStart);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart + Duration.FromSeconds(64), out _), Is.True);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart + Duration.FromSeconds(128) - new Duration(1), out _), Is.True);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart + Duration.FromSeconds(128), out _), Is.False);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart + Duration.FromSeconds(1000), out _), Is.False);
        // Made at the end of a period, a cookie still lives a full period more.
        var late = Cookies.Encode(Tuple, ClientIsn, 1460, PeriodStart + Duration.FromSeconds(64) - new Duration(1));
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, late, PeriodStart + Duration.FromSeconds(127), out _), Is.True);
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, late, PeriodStart + Duration.FromSeconds(128), out _), Is.False);
    }

    [Test]
    public void A_cookie_from_the_future_or_32_periods_ago_is_refused()
    {
        var cookie = Cookies.Encode(Tuple, ClientIsn, 1460, PeriodStart + Duration.FromSeconds(64));
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart, out _), Is.False, "made in the next period");
        // 32 periods later the 5 counter bits are the same again: the hash over the full counter refuses it.
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, PeriodStart + Duration.FromSeconds(64 + 32 * 64), out _), Is.False);
    }

    [Test]
    public void The_five_bit_counter_wraps_between_periods_31_and_32()
    {
        var period31 = new Instant(31 * 64_000_000L + 5_000_000);
        var cookie = Cookies.Encode(Tuple, ClientIsn, 1220, period31);
        Assert.That(cookie.Value >> 27, Is.EqualTo(31u));
        Assert.That(Cookies.TryDecode(Tuple, ClientIsn, cookie, period31 + SynCookies.Period, out ushort mss), Is.True);
        Assert.That(mss, Is.EqualTo(1220));
    }

    [Test]
    public void Window_scale_and_sack_permitted_round_trip_through_the_timestamp()
    {
        uint tsBase = 0x12345678;
        for (int scale = 0; scale <= 14; scale++)
        {
            foreach (bool sack in new[] { false, true })
            {
                uint ts = Cookies.EncodeTimestamp(tsBase, (byte)scale, sack);
                Assert.That(ts, Is.LessThanOrEqualTo(tsBase), "never ahead of the timestamp clock");
                Assert.That(tsBase - ts, Is.LessThan(64u));
                Assert.That(SynCookies.TryDecodeTimestamp(ts, out byte decodedScale, out bool decodedSack), Is.True);
                Assert.That(decodedScale, Is.EqualTo(scale));
                Assert.That(decodedSack, Is.EqualTo(sack));
            }
        }
        uint none = Cookies.EncodeTimestamp(tsBase, SynCookies.NoWindowScale, true);
        Assert.That(SynCookies.TryDecodeTimestamp(none, out byte noScale, out bool sackOn), Is.True);
        Assert.That(noScale, Is.EqualTo(SynCookies.NoWindowScale));
        Assert.That(sackOn, Is.True);
    }

    [Test]
    public void A_window_scale_above_14_is_carried_as_14()
    {
        // RFC 7323 §2.3: a shift above 14 is used as 14.
        foreach (byte scale in new byte[] { 15, 16, 200 })
        {
            Assert.That(SynCookies.TryDecodeTimestamp(Cookies.EncodeTimestamp(1000, scale, false), out byte decoded, out _), Is.True);
            Assert.That(decoded, Is.EqualTo(14));
        }
    }

    [Test]
    public void The_timestamp_stays_at_or_behind_the_clock_near_zero_and_at_the_top()
    {
        foreach (uint tsBase in new uint[] { 0, 1, 63, 64, 100, uint.MaxValue })
        {
            uint ts = Cookies.EncodeTimestamp(tsBase, 7, true);
            int behind = unchecked((int)(tsBase - ts));
            Assert.That(behind, Is.InRange(0, 63), $"base {tsBase}");
            Assert.That(SynCookies.TryDecodeTimestamp(ts, out byte scale, out bool sack), Is.True);
            Assert.That((scale, sack), Is.EqualTo(((byte)7, true)));
        }
    }

    [Test]
    public void An_echoed_timestamp_without_the_cookie_marker_is_refused()
    {
        Assert.That(SynCookies.TryDecodeTimestamp(0x12345600, out byte scale, out bool sack), Is.False);
        Assert.That(scale, Is.EqualTo(SynCookies.NoWindowScale));
        Assert.That(sack, Is.False);
        Assert.That(SynCookies.TryDecodeTimestamp(0x1234561F, out _, out _), Is.False);
    }

    [Test]
    public void Encoding_and_decoding_cookies_allocates_nothing()
    {
        var now = PeriodStart + Duration.FromSeconds(10);
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            var isn = new TcpSeqNumber((uint)i * 2654435761u);
            var cookie = Cookies.Encode(Tuple, isn, 1460, now);
            uint ts = Cookies.EncodeTimestamp((uint)i << 8, 7, true);
            if (Cookies.TryDecode(Tuple, isn, cookie, now + SynCookies.Period, out ushort mss) && mss == 1460
                && !Cookies.TryDecode(Tuple, isn + 1, cookie, now, out _)
                && SynCookies.TryDecodeTimestamp(ts, out byte scale, out bool sack) && scale == 7 && sack)
                ok++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(10_000));
        Assert.That(allocated, Is.Zero);
    }
}
