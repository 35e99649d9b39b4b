using System;
using System.Threading.Tasks;
using Ethox.Nic;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Hosting.HostPair;

namespace Ethox.Tests.Hosting;

/// <summary><see cref="EthoxHostOptions.BusyPoll"/>: a host that stays awake between a request and its response, and sleeps once traffic stops.</summary>
public class HostBusyPollTests
{
    private const int Rounds = 200;

    [Test]
    public async Task A_busy_polling_host_serves_a_ping_pong_without_sleeping_and_one_without_busy_polling_sleeps()
    {
        Assert.That(await SleepsOfServerDuringPingPong(TimeSpan.FromSeconds(1)), Is.LessThanOrEqualTo(Rounds / 20),
            "within the window every request finds the loop awake");
        Assert.That(await SleepsOfServerDuringPingPong(TimeSpan.Zero), Is.GreaterThanOrEqualTo(Rounds / 2),
            "without it the loop sleeps while the application turns the request into a response");
    }

    [Test]
    public async Task A_busy_polling_host_sleeps_once_the_window_has_passed()
    {
        await using var pair = new HostPair(configureB: o => o.BusyPoll = TimeSpan.FromMilliseconds(2));
        await PingPong(pair);
        await Task.Delay(100);
        var before = await pair.B.ReadCountersAsync().AsTask().WaitAsync(Patience);
        await Task.Delay(300);
        var after = await pair.B.ReadCountersAsync().AsTask().WaitAsync(Patience);
        // Spinning all along, with a yield between looks, is a turn every few microseconds: about 100,000 in 300 ms. Asleep,
        // only the first counters request's own window of 2 ms is spun (hundreds of turns), and the stack's timers.
        Assert.That(after.Host.LoopTurns - before.Host.LoopTurns, Is.LessThan(10_000));
        Assert.That(after.Host.Sleeps, Is.GreaterThan(before.Host.Sleeps));
    }

    [Test]
    public void A_busy_poll_window_out_of_range_is_refused()
    {
        var (ours, _) = Pipe.CreatePair(16);
        foreach (var window in new[] { TimeSpan.FromTicks(-1), TimeSpan.FromSeconds(2) })
        {
            var options = new EthoxHostOptions { Mac = EthernetAddress.Parse("02:00:5e:00:00:a1"), BusyPoll = window };
            Assert.Throws<ArgumentOutOfRangeException>(() => EthoxHost.Create(ours, options));
        }
    }

    /// <summary>B's sleeps over <see cref="Rounds"/> one-byte exchanges with <see cref="EthoxHostOptions.BusyPoll"/> at <paramref name="window"/> on B.</summary>
    private static async Task<long> SleepsOfServerDuringPingPong(TimeSpan window)
    {
        await using var pair = new HostPair(configureB: o => o.BusyPoll = window);
        var before = await pair.B.ReadCountersAsync().AsTask().WaitAsync(Patience);
        await PingPong(pair);
        var after = await pair.B.ReadCountersAsync().AsTask().WaitAsync(Patience);
        return after.Host.Sleeps - before.Host.Sleeps;
    }

    /// <summary>A sends a byte, B's application reads it and answers it, A reads the answer: <see cref="Rounds"/> times.</summary>
    private static async Task PingPong(HostPair pair)
    {
        var (client, server) = await pair.ConnectAsync(7);
        await using (client)
        await using (server)
        {
            var echo = Task.Run(async () =>
            {
                var b = new byte[1];
                for (int i = 0; i < Rounds; i++)
                {
                    if (await server.ReadAsync(b) != 1) throw new InvalidOperationException("the client left early");
                    await server.WriteAsync(b);
                }
            });
            var one = new byte[1];
            for (int i = 0; i < Rounds; i++)
            {
                one[0] = (byte)i;
                await client.WriteAsync(one).AsTask().WaitAsync(Patience);
                Assert.That(await client.ReadAsync(one).AsTask().WaitAsync(Patience), Is.EqualTo(1));
                Assert.That(one[0], Is.EqualTo((byte)i));
            }
            await echo.WaitAsync(Patience);
        }
    }
}
