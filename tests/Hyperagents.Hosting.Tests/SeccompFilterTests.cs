using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Hyperagents.Hosting.Contained;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The seccomp filter's syscall tables: the number of a name depends on the architecture, and a filter built
/// from the wrong table would deny the wrong calls. Checked against known numbers, without an arm machine.</summary>
public sealed class SeccompFilterTests
{
    [Theory]
    [InlineData("ptrace", 101, 117)]
    [InlineData("mount", 165, 40)]
    [InlineData("unshare", 272, 97)]
    [InlineData("keyctl", 250, 219)]
    [InlineData("bpf", 321, 280)]
    [InlineData("perf_event_open", 298, 241)]
    [InlineData("userfaultfd", 323, 282)]
    [InlineData("personality", 135, 92)]
    [InlineData("io_uring_setup", 425, 425)]
    public void Each_architecture_denies_a_call_by_its_own_number(string name, int x64, int arm64)
    {
        Assert.Equal(x64, Number(Architecture.X64, name));
        Assert.Equal(arm64, Number(Architecture.Arm64, name));
    }

    [Fact]
    public void Socket_and_the_audit_architecture_are_the_tables_own()
    {
        var x64 = SeccompFilter.For(Architecture.X64)!;
        var arm64 = SeccompFilter.For(Architecture.Arm64)!;
        Assert.Equal((41, 0xC000003Eu, 0x40000000u, "SCMP_ARCH_X86_64"), (x64.Socket, x64.AuditArch, x64.AbiBit, x64.OciArchitecture));
        Assert.Equal((198, 0xC00000B7u, 0u, "SCMP_ARCH_AARCH64"), (arm64.Socket, arm64.AuditArch, arm64.AbiBit, arm64.OciArchitecture));

        // x86-only calls have no number in the generic table; every other name is in both.
        Assert.DoesNotContain(arm64.Denied, d => d.Name is "iopl" or "ioperm" or "uselib");
        Assert.Equal(x64.Denied.Select(d => d.Name).Except(["iopl", "ioperm", "uselib"]), arm64.Denied.Select(d => d.Name));
    }

    [Fact]
    public void The_filter_built_for_aarch64_checks_its_audit_architecture_and_numbers_and_has_no_x32_check()
    {
        var program = Instructions(SeccompFilter.Build(SeccompFilter.For(Architecture.Arm64)));

        Assert.Equal(0xC00000B7u, program[1].K);
        Assert.Equal(0x05, program[3].Code); // an always-jump where x86-64 checks the x32 bit
        Assert.Contains(program, i => i is { Code: 0x15, K: 117 });
        Assert.DoesNotContain(program, i => i is { Code: 0x15, K: 101 });

        var x64 = Instructions(SeccompFilter.Build(SeccompFilter.For(Architecture.X64)));
        Assert.Equal(0xC000003Eu, x64[1].K);
        Assert.Equal((0x35, 0x40000000u), (x64[3].Code, x64[3].K));
        Assert.Contains(x64, i => i is { Code: 0x15, K: 101 });
    }

    [Theory]
    [InlineData(Architecture.X86)]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.S390x)]
    [InlineData(Architecture.RiscV64)]
    public void Another_architecture_has_no_table_and_the_tier_says_it_refuses_to_run_unfiltered(Architecture architecture)
    {
        Assert.Null(SeccompFilter.For(architecture));
        var message = SeccompFilter.UnsupportedMessage(architecture);
        Assert.Contains(architecture.ToString().ToLowerInvariant(), message);
        Assert.Contains("refuses to run workers unfiltered", message);
        Assert.Contains("--isolation sandbox", message);
    }

    [Fact]
    public void This_machine_uses_the_table_of_its_own_architecture()
    {
        Assert.Equal(RuntimeInformation.ProcessArchitecture, SeccompFilter.Table.Architecture);
    }

    private static int Number(Architecture architecture, string name) =>
        SeccompFilter.For(architecture)!.Denied.Single(d => d.Name == name).Number;

    private static List<(ushort Code, uint K)> Instructions(byte[] program) =>
        [.. Enumerable.Range(0, program.Length / 8).Select(i => (BinaryPrimitives.ReadUInt16LittleEndian(program.AsSpan(i * 8)), BinaryPrimitives.ReadUInt32LittleEndian(program.AsSpan(i * 8 + 4))))];
}
