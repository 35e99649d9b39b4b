using BenchmarkDotNet.Running;

// Run everything:   dotnet run -c Release --project Ethox.Bench -- --filter '*'
// Run one class:    dotnet run -c Release --project Ethox.Bench -- --filter '*Checksum*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
