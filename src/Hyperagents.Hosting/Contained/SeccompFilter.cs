using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Hyperagents.Hosting.Contained;

/// <summary>The seccomp program a contained worker runs under: a classic-BPF deny-list for x86-64 Linux, as bubblewrap's
/// <c>--seccomp</c> reads it (an array of <c>struct sock_filter</c>).</summary>
/// <remarks>
/// Another architecture, or the x32 ABI, kills the process: the syscall numbers below are x86-64's, and a filter that
/// checked them against another table would allow what it means to deny. Denied calls fail with <c>EPERM</c>, so the
/// runtime sees an ordinary error. <c>socket</c> is denied for every address family: the host channel is the worker's
/// standard input and output (anonymous pipes), so nothing inside needs a socket.
/// </remarks>
internal static class SeccompFilter
{
    /// <summary>The syscalls denied by name, with their x86-64 numbers: debugging and reading other processes, mounts and
    /// namespaces, kernel keyrings, eBPF, perf, userfaultfd, personality, io_uring (which would bypass this filter),
    /// module loading, reboot, clocks and swap.</summary>
    public static readonly IReadOnlyList<(string Name, int Number)> Denied =
    [
        ("ptrace", 101), ("process_vm_readv", 310), ("process_vm_writev", 311), ("kcmp", 312),
        ("mount", 165), ("umount2", 166), ("pivot_root", 155), ("chroot", 161),
        ("open_tree", 428), ("move_mount", 429), ("fsopen", 430), ("fsconfig", 431), ("fsmount", 432), ("fspick", 433), ("mount_setattr", 442),
        ("name_to_handle_at", 303), ("open_by_handle_at", 304),
        ("unshare", 272), ("setns", 308),
        ("add_key", 248), ("request_key", 249), ("keyctl", 250),
        ("bpf", 321), ("perf_event_open", 298), ("userfaultfd", 323), ("personality", 135),
        ("io_uring_setup", 425), ("io_uring_enter", 426), ("io_uring_register", 427),
        ("init_module", 175), ("finit_module", 313), ("delete_module", 176), ("kexec_load", 246), ("kexec_file_load", 320),
        ("reboot", 169), ("swapon", 167), ("swapoff", 168), ("acct", 163), ("quotactl", 179), ("syslog", 103),
        ("settimeofday", 164), ("clock_settime", 227), ("adjtimex", 159), ("clock_adjtime", 305),
        ("sethostname", 170), ("setdomainname", 171), ("iopl", 172), ("ioperm", 173), ("vhangup", 153), ("uselib", 134),
    ];

    /// <summary>The x86-64 number of <c>socket</c>, denied for every address family.</summary>
    public const int SocketNumber = 41;

    private const uint AuditArchX8664 = 0xC000003E;
    private const uint X32SyscallBit = 0x40000000;
    private const uint ReturnAllow = 0x7FFF0000;
    private const uint ReturnKillProcess = 0x80000000;
    private const uint ReturnErrno = 0x00050000;
    private const uint Eperm = 1;

    // BPF opcodes (linux/bpf_common.h).
    private const ushort LoadWordAbsolute = 0x20;
    private const ushort JumpIfEqual = 0x15;
    private const ushort JumpIfGreaterOrEqual = 0x35;
    private const ushort Return = 0x06;

    // Offsets in struct seccomp_data.
    private const uint NumberOffset = 0;
    private const uint ArchOffset = 4;

    /// <summary>Whether the filter fits this machine (x86-64 Linux); the contained tier is unavailable elsewhere.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The compiled program, eight bytes per instruction, little-endian as the kernel reads it on x86-64.</summary>
    /// <param name="denied">The syscall numbers to deny; <see cref="Denied"/> and <c>socket</c> when null (tests remove one to
    /// show the protection is what stops it).</param>
    public static byte[] Build(IEnumerable<int>? denied = null)
    {
        var numbers = (denied ?? Denied.Select(d => d.Number).Append(SocketNumber)).Distinct().ToList();

        // Layout: arch check, x32 check, one comparison per denied number, then allow; the shared returns at the end.
        //   0  ld arch            1  jeq x86-64 ? 2 : kill    2  ld nr    3  jge x32 bit ? kill : 4
        //   4.. jeq n ? deny : next     allow    deny    kill
        var program = new List<(ushort Code, byte True, byte False, uint K)>();
        var allowAt = 4 + numbers.Count;
        var denyAt = allowAt + 1;
        var killAt = denyAt + 1;
        program.Add((LoadWordAbsolute, 0, 0, ArchOffset));
        program.Add((JumpIfEqual, 0, Offset(1, killAt), AuditArchX8664));
        program.Add((LoadWordAbsolute, 0, 0, NumberOffset));
        program.Add((JumpIfGreaterOrEqual, Offset(3, killAt), 0, X32SyscallBit));
        for (var i = 0; i < numbers.Count; i++)
        {
            program.Add((JumpIfEqual, Offset(4 + i, denyAt), 0, (uint)numbers[i]));
        }

        program.Add((Return, 0, 0, ReturnAllow));
        program.Add((Return, 0, 0, ReturnErrno | Eperm));
        program.Add((Return, 0, 0, ReturnKillProcess));

        var bytes = new byte[program.Count * 8];
        for (var i = 0; i < program.Count; i++)
        {
            var (code, jt, jf, k) = program[i];
            var slot = bytes.AsSpan(i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, code);
            slot[2] = jt;
            slot[3] = jf;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], k);
        }

        return bytes;

        static byte Offset(int from, int to) =>
            to - from - 1 is >= 0 and <= byte.MaxValue and var jump ? (byte)jump : throw new InvalidOperationException("The seccomp program is too long for a BPF jump.");
    }
}
