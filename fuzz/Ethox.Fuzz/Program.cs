using System;
using System.IO;
using Ethox.Fuzzing;
using SharpFuzz;

// Usage: Ethox.Fuzz TARGET                     (run under afl-fuzz, input on stdin / shared memory)
//        Ethox.Fuzz TARGET FILE...             (replay files once, e.g. a crash AFL++ saved)
//        Ethox.Fuzz --make-corpus DIR PCAP...  (cut pcap frames into per-target seeds)
if (args.Length >= 2 && args[0] == "--make-corpus")
    return CorpusMaker.Make(args[1], args[2..]);
if (args.Length == 0 || !FuzzTargets.IsKnown(args[0]))
{
    Console.Error.WriteLine($"usage: Ethox.Fuzz TARGET [FILE...]; targets: {string.Join(' ', FuzzTargets.Names)}");
    return 2;
}
string target = args[0];
if (args.Length > 1)
{
    foreach (var file in args[1..])
        FuzzTargets.Run(target, File.ReadAllBytes(file));
    Console.WriteLine($"{args.Length - 1} input(s) replayed without a failure");
    return 0;
}
var buffer = new byte[1 << 16];
Fuzzer.OutOfProcess.Run(stream =>
{
    int n = 0, r;
    while (n < buffer.Length && (r = stream.Read(buffer, n, buffer.Length - n)) > 0) n += r;
    FuzzTargets.Run(target, buffer.AsSpan(0, n));
});
return 0;
