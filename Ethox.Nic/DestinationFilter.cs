using System.Runtime.InteropServices;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// A classic BPF socket filter (SO_ATTACH_FILTER, linux/filter.h) that keeps the frames addressed to one Ethernet address
/// and the group frames (broadcast, multicast: ARP requests, NDISC), so that the kernel drops the frames of the
/// interface's other stations before they reach the packet socket, instead of the stack waking for each of them.
/// </summary>
internal static unsafe class DestinationFilter
{
    private const int SO_ATTACH_FILTER = 26;
    private const ushort LoadWord = 0x20, LoadHalf = 0x28, LoadByte = 0x30;   // BPF_LD | BPF_W/H/B | BPF_ABS
    private const ushort JumpIfEqual = 0x15, JumpIfSet = 0x45, Return = 0x06;  // BPF_JMP | BPF_JEQ/BPF_JSET | BPF_K, BPF_RET | BPF_K

    /// <summary>Attaches the filter for <paramref name="address"/> to the socket <paramref name="fd"/>; false with errno set when the kernel refuses.</summary>
    public static bool TryAttach(int fd, EthernetAddress address)
    {
        // Loads are in network order: the first four bytes of the destination, then the last two.
        uint high = (uint)(address.Value >> 16);
        uint low = (ushort)address.Value;
        // A jump's offsets count from the next instruction.
        var program = stackalloc SockFilter[8];
        program[0] = new SockFilter(LoadWord, 0, 0, 0);
        program[1] = new SockFilter(JumpIfEqual, 0, 2, high);          // → 2, or → 4
        program[2] = new SockFilter(LoadHalf, 0, 0, 4);
        program[3] = new SockFilter(JumpIfEqual, 3, 0, low);           // → 7 (ours), or → 4
        program[4] = new SockFilter(LoadByte, 0, 0, 0);
        program[5] = new SockFilter(JumpIfSet, 1, 0, 1);               // the group bit (IEEE 802-2014 §8.2): → 7, or → 6
        program[6] = new SockFilter(Return, 0, 0, 0);                  // drop
        program[7] = new SockFilter(Return, 0, 0, uint.MaxValue);      // keep all of it
        var fprog = new SockFprog { Length = 8, Filter = program };
        return Native.SetSockOpt(fd, Native.SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(SockFprog)) == 0;
    }

    /// <summary>struct sock_filter.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct SockFilter(ushort code, byte jumpTrue, byte jumpFalse, uint k)
    {
        public readonly ushort Code = code;
        public readonly byte JumpTrue = jumpTrue;
        public readonly byte JumpFalse = jumpFalse;
        public readonly uint K = k;
    }

    /// <summary>struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }
}
