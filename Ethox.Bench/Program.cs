using BenchmarkDotNet.Running;
using Ethox.Bench;

// Run everything:   dotnet run -c Release --project Ethox.Bench -- --filter '*'
// Run one class:    dotnet run -c Release --project Ethox.Bench -- --filter '*Checksum*'
// Ping flood, Ethox on AF_PACKET vs the kernel (root):  dotnet run -c Release --project Ethox.Bench -- pingflood
// 64 KiB copies into a 256 KiB ring, GB/s (the memory-copy figure of Ethox.Bench/peers/side-by-side.sh): dotnet run -c Release --project Ethox.Bench -- memcpy
// tcpbulk's copies and checksum passes over the payload without TCP, its ceiling on the machine: dotnet run -c Release --project Ethox.Bench -- copies --mtu 65535 [--frames 256] [--copy-received]
// Bulk TCP with a Stopwatch and the counters (profiling, retransmissions): dotnet run -c Release --project Ethox.Bench -- tcpbulk --mtu 1500 --mib 64 --loss 0.01
// Connection set-up in a loop (profiling): dotnet run -c Release --project Ethox.Bench -- tcphandshake [--cookies] [--server-only] --rounds 10
// A million established connections in one endpoint: dotnet run -c Release --project Ethox.Bench -- tcpscale --connections 1000000
// tcpbulk, tcphandshake, tcpscale and memcpy as a NativeAOT binary: Ethox.Bench/Aot, and Ethox.Bench/aot-compare.sh (docs/performance.md, "NativeAOT")
if (args.Length > 0 && args[0] == "pingflood") return PingFlood.Run(args[1..]);
if (args.Length > 0 && args[0] == "tcpbulk") return TcpBulkRun.Run(args[1..]);
if (args.Length > 0 && args[0] == "tcphandshake") return TcpHandshakeRun.Run(args[1..]);
if (args.Length > 0 && args[0] == "tcpscale") return TcpScaleRun.Run(args[1..]);
if (args.Length > 0 && args[0] == "memcpy") return MemcpyRun.Run(args[1..]);
if (args.Length > 0 && args[0] == "copies") return CopiesRun.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
