using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Hyperagents.Hosting.Contained;

/// <summary>One architecture's syscall numbers for the deny-list: what a classic-BPF filter compares against, since
/// the same name has a different number on each architecture (x86-64 has its own table; aarch64 uses the kernel's
/// generic one).</summary>
/// <param name="Architecture">The process architecture it is for.</param>
/// <param name="AuditArch">The <c>AUDIT_ARCH_*</c> value the kernel reports for this table's calls.</param>
/// <param name="OciArchitecture">The name an OCI seccomp profile gives the architecture.</param>
/// <param name="Denied">The calls denied by name, with their numbers; a call the architecture does not have is absent.</param>
/// <param name="Socket">The number of <c>socket</c>.</param>
/// <param name="AbiBit">A bit that marks another ABI sharing the audit architecture (x86-64's x32), whose calls are killed; 0 when none.</param>
internal sealed record SyscallTable(Architecture Architecture, uint AuditArch, string OciArchitecture, IReadOnlyList<(string Name, int Number)> Denied, int Socket, uint AbiBit);

/// <summary>The seccomp program a contained worker runs under: a classic-BPF deny-list for Linux on x86-64 or aarch64,
/// as bubblewrap's <c>--seccomp</c> reads it (an array of <c>struct sock_filter</c>).</summary>
/// <remarks>
/// A call made under another audit architecture (32-bit compatibility calls), or x86-64's x32 ABI, kills the process: the
/// numbers are the table's, and a filter that checked them against another table would allow what it means to deny. On
/// any other architecture there is no table, and the contained tier refuses to start rather than run unfiltered.
/// Denied calls fail with <c>EPERM</c>, so the runtime sees an ordinary error. <c>socket</c> is denied for every
/// address family: the host channel is the worker's standard input and output (anonymous pipes), so nothing inside
/// needs a socket.
/// </remarks>
internal static class SeccompFilter
{
    /// <summary>The syscalls denied by name: debugging and reading other processes, mounts and namespaces, kernel
    /// keyrings, eBPF, perf, userfaultfd, personality, io_uring (which would bypass this filter), module loading, reboot,
    /// clocks and swap; with their x86-64 and generic (aarch64) numbers, null where the architecture has no such call.</summary>
    private static readonly (string Name, int X64, int? Generic)[] Calls =
    [
        ("ptrace", 101, 117), ("process_vm_readv", 310, 270), ("process_vm_writev", 311, 271), ("kcmp", 312, 272),
        ("mount", 165, 40), ("umount2", 166, 39), ("pivot_root", 155, 41), ("chroot", 161, 51),
        ("open_tree", 428, 428), ("move_mount", 429, 429), ("fsopen", 430, 430), ("fsconfig", 431, 431), ("fsmount", 432, 432), ("fspick", 433, 433), ("mount_setattr", 442, 442),
        ("name_to_handle_at", 303, 264), ("open_by_handle_at", 304, 265),
        ("unshare", 272, 97), ("setns", 308, 268),
        ("add_key", 248, 217), ("request_key", 249, 218), ("keyctl", 250, 219),
        ("bpf", 321, 280), ("perf_event_open", 298, 241), ("userfaultfd", 323, 282), ("personality", 135, 92),
        ("io_uring_setup", 425, 425), ("io_uring_enter", 426, 426), ("io_uring_register", 427, 427),
        ("init_module", 175, 105), ("finit_module", 313, 273), ("delete_module", 176, 106), ("kexec_load", 246, 104), ("kexec_file_load", 320, 294),
        ("reboot", 169, 142), ("swapon", 167, 224), ("swapoff", 168, 225), ("acct", 163, 89), ("quotactl", 179, 60), ("syslog", 103, 116),
        ("settimeofday", 164, 170), ("clock_settime", 227, 112), ("adjtimex", 159, 171), ("clock_adjtime", 305, 266),
        ("sethostname", 170, 161), ("setdomainname", 171, 162), ("iopl", 172, null), ("ioperm", 173, null), ("vhangup", 153, 58), ("uselib", 134, null),
    ];

    /// <summary>The architectures with a table: x86-64 and aarch64.</summary>
    public static readonly IReadOnlyList<SyscallTable> Tables =
    [
        new(Architecture.X64, 0xC000003E, "SCMP_ARCH_X86_64", [.. Calls.Select(c => (c.Name, c.X64))], 41, 0x40000000),
        new(Architecture.Arm64, 0xC00000B7, "SCMP_ARCH_AARCH64", [.. Calls.Where(c => c.Generic is not null).Select(c => (c.Name, c.Generic!.Value))], 198, 0),
    ];

    /// <summary>The table of <paramref name="architecture"/>, or null when the filter has none for it.</summary>
    /// <param name="architecture">A process architecture.</param>
    public static SyscallTable? For(Architecture architecture) => Tables.FirstOrDefault(t => t.Architecture == architecture);

    /// <summary>This process's table (<see cref="RuntimeInformation.ProcessArchitecture"/>).</summary>
    /// <exception cref="PlatformNotSupportedException">There is none for this architecture (see <see cref="Supported"/>).</exception>
    public static SyscallTable Table => For(RuntimeInformation.ProcessArchitecture)
        ?? throw new PlatformNotSupportedException(UnsupportedMessage(RuntimeInformation.ProcessArchitecture));

    /// <summary>Whether the filter fits this machine (Linux on x86-64 or aarch64); the contained tier is unavailable elsewhere.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && For(RuntimeInformation.ProcessArchitecture) is not null;

    /// <summary>Why the contained tier cannot run here, for doctor and the runner's error.</summary>
    /// <param name="architecture">This machine's process architecture.</param>
    public static string UnsupportedMessage(Architecture architecture) => !OperatingSystem.IsLinux()
        ? "The contained tier needs Linux (bubblewrap, seccomp and cgroups are Linux's); use --isolation sandbox here."
        : $"The contained tier's seccomp filter has syscall tables for x86-64 and aarch64 only, not {architecture.ToString().ToLowerInvariant()}; " +
          "it refuses to run workers unfiltered. Use --isolation sandbox here.";

    private const uint ReturnAllow = 0x7FFF0000;
    private const uint ReturnKillProcess = 0x80000000;
    private const uint ReturnErrno = 0x00050000;
    private const uint Eperm = 1;

    // BPF opcodes (linux/bpf_common.h).
    private const ushort LoadWordAbsolute = 0x20;
    private const ushort JumpIfEqual = 0x15;
    private const ushort JumpIfGreaterOrEqual = 0x35;
    private const ushort JumpAlways = 0x05;
    private const ushort Return = 0x06;

    // Offsets in struct seccomp_data.
    private const uint NumberOffset = 0;
    private const uint ArchOffset = 4;

    /// <summary>The compiled program, eight bytes per instruction, little-endian as the kernel reads it on x86-64 and aarch64.</summary>
    /// <param name="table">The architecture's table; this process's when null.</param>
    /// <param name="denied">The syscall numbers to deny; the table's and <c>socket</c> when null (tests remove one to
    /// show the protection is what stops it).</param>
    public static byte[] Build(SyscallTable? table = null, IEnumerable<int>? denied = null)
    {
        table ??= Table;
        var numbers = (denied ?? table.Denied.Select(d => d.Number).Append(table.Socket)).Distinct().ToList();

        // Layout: arch check, ABI-bit check, one comparison per denied number, then allow; the shared returns at the end.
        //   0  ld arch            1  jeq arch ? 2 : kill    2  ld nr    3  jge ABI bit ? kill : 4 (x86-64's x32; a no-op jump elsewhere)
        //   4.. jeq n ? deny : next     allow    deny    kill
        var program = new List<(ushort Code, byte True, byte False, uint K)>();
        var allowAt = 4 + numbers.Count;
        var denyAt = allowAt + 1;
        var killAt = denyAt + 1;
        program.Add((LoadWordAbsolute, 0, 0, ArchOffset));
        program.Add((JumpIfEqual, 0, Offset(1, killAt), table.AuditArch));
        program.Add((LoadWordAbsolute, 0, 0, NumberOffset));
        program.Add(table.AbiBit != 0 ? (JumpIfGreaterOrEqual, Offset(3, killAt), (byte)0, table.AbiBit) : (JumpAlways, (byte)0, (byte)0, 0u));
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
