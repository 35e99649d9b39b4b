using System;
using System.Collections.Generic;
using System.IO;

namespace Ethox.Tests.Tools;

/// <summary>Locates the committed pcap fixtures (Ethox.Tests/Fixtures, copied to the test output directory).</summary>
public static class Fixture
{
    /// <summary>The folder holding the fixtures in the test output directory.</summary>
    public static string Directory => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>Full path of the fixture <paramref name="name"/> (e.g. <c>kernel-ping4.pcap</c>); throws if it is missing.</summary>
    public static string Path(string name)
    {
        string path = System.IO.Path.Combine(Directory, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"fixture {name} is not in {Directory} (see Ethox.Tests/Fixtures/README.md)", path);
        return path;
    }

    /// <summary>File names of every pcap fixture, sorted.</summary>
    public static IReadOnlyList<string> AllPcaps()
    {
        var names = new List<string>();
        if (System.IO.Directory.Exists(Directory))
            foreach (string p in System.IO.Directory.EnumerateFiles(Directory, "*.pcap"))
                names.Add(System.IO.Path.GetFileName(p));
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
