using System;
using System.Buffers.Binary;
using Ethox.Layer.Common;

namespace Ethox.Native;

/// <summary>The SipHash keys of one stack, each derived from the configuration's key so that no table's outputs tell anything about another's.</summary>
internal readonly struct StackKeys
{
    public readonly SipHash Tcp, Neighbors, PathMtu;
    /// <summary>Where the IP layer's identifiers start (RFC 7739 §5.1): unpredictable without the key.</summary>
    public readonly ulong IpIdentification;

    public StackKeys(ReadOnlySpan<byte> key)
    {
        var root = new SipHash(key);
        Tcp = Derive(root, 1);
        Neighbors = Derive(root, 2);
        PathMtu = Derive(root, 3);
        Span<byte> label = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(label, 4);
        IpIdentification = root.Hash(label);
    }

    private static SipHash Derive(SipHash root, ulong use)
    {
        Span<byte> label = stackalloc byte[9];
        BinaryPrimitives.WriteUInt64LittleEndian(label, use);
        ulong k0 = root.Hash(label[..8]);
        label[8] = 0xA5;
        return new SipHash(k0, root.Hash(label));
    }
}
