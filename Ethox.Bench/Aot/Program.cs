using System;
using Ethox.Bench;

// The stand-alone modes of Ethox.Bench, published with NativeAOT (see the project file for the commands).
return args.Length == 0 ? Usage() : args[0] switch
{
    "tcpbulk" => TcpBulkRun.Run(args[1..]),
    "tcphandshake" => TcpHandshakeRun.Run(args[1..]),
    "tcpscale" => TcpScaleRun.Run(args[1..]),
    "memcpy" => MemcpyRun.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ethox-bench-aot tcpbulk|tcphandshake|tcpscale|memcpy [options]  (the options of Ethox.Bench's modes of the same names)");
    return 2;
}
