using BenchmarkDotNet.Running;
using Ethox.Bench;

// Run everything:   dotnet run -c Release --project Ethox.Bench -- --filter '*'
// Run one class:    dotnet run -c Release --project Ethox.Bench -- --filter '*Checksum*'
// Ping flood, Ethox on AF_PACKET vs the kernel (root):  dotnet run -c Release --project Ethox.Bench -- pingflood
if (args.Length > 0 && args[0] == "pingflood") return PingFlood.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
