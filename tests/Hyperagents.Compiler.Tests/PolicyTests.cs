using Xunit;

namespace Hyperagents.Compiler.Tests;

public sealed class PolicyTests
{
    private static PolicyTypeName Name(string ns, params string[] types) => new(ns, types);

    [Fact]
    public void Most_specific_rule_wins_and_deny_beats_allow_at_equal_specificity()
    {
        var policy = GatePolicy.Parse("""
            # comment
            allow namespace System
            deny namespace System.IO
            allow type System.IO.StringReader
            deny member System.IO.StringReader.Close
            allow type System.Math
            deny type System.Math   # same level: deny wins
            allow type System.Type
            deny member System.Type.*
            allow member System.Type.Name
            """);

        Assert.True(policy.CheckType(Name("System", "String")).Allowed);
        Assert.False(policy.CheckType(Name("System.IO", "File")).Allowed);
        Assert.Equal(3, policy.CheckType(Name("System.IO", "File")).Rule!.Line);
        Assert.True(policy.CheckType(Name("System.IO", "StringReader")).Allowed);
        Assert.True(policy.CheckMember(Name("System.IO", "StringReader"), "ReadLine").Allowed);
        Assert.False(policy.CheckMember(Name("System.IO", "StringReader"), "Close").Allowed);
        Assert.False(policy.CheckType(Name("System", "Math")).Allowed);
        Assert.True(policy.CheckType(Name("System", "Type")).Allowed);
        Assert.False(policy.CheckMember(Name("System", "Type"), "GetMethod").Allowed);
        Assert.True(policy.CheckMember(Name("System", "Type"), "get_Name").Allowed);
        Assert.False(policy.CheckType(Name("Other", "Thing")).Allowed);
        Assert.Null(policy.CheckType(Name("Other", "Thing")).Rule);
        Assert.Equal("no allow rule matches", policy.CheckType(Name("Other", "Thing")).Reason);
    }

    [Fact]
    public void Nested_types_inherit_the_rule_of_their_outer_type_and_constructors_parse()
    {
        var policy = GatePolicy.Parse("""
            allow type System.Environment
            deny type System.Environment.SpecialFolder
            deny member System.Threading.Tasks.Task..ctor
            allow namespace System.Threading.Tasks
            """);
        Assert.True(policy.CheckType(Name("System", "Environment", "ProcessCpuUsage")).Allowed);
        Assert.False(policy.CheckType(Name("System", "Environment", "SpecialFolder")).Allowed);
        Assert.False(policy.CheckMember(Name("System.Threading.Tasks", "Task"), ".ctor").Allowed);
        Assert.True(policy.CheckMember(Name("System.Threading.Tasks", "Task"), "FromResult").Allowed);
    }

    [Fact]
    public void Lowering_rules_count_only_in_the_il_scan()
    {
        var policy = GatePolicy.Parse("""
            deny namespace System.Runtime.InteropServices
            lowering member System.Runtime.InteropServices.CollectionsMarshal.SetCount
            """);
        var type = Name("System.Runtime.InteropServices", "CollectionsMarshal");
        Assert.False(policy.CheckMember(type, "SetCount").Allowed);
        Assert.True(policy.CheckMember(type, "SetCount", inIl: true).Allowed);
        Assert.False(policy.CheckMember(type, "AsSpan", inIl: true).Allowed);
        Assert.True(policy.CheckType(type, inIl: true).Allowed);
        Assert.False(policy.CheckType(type).Allowed);
    }

    [Fact]
    public void Malformed_lines_are_all_reported_with_line_numbers()
    {
        var error = Assert.Throws<GatePolicyException>(() => GatePolicy.Parse("allow namespace System\npermit type X\nallow member NoDot\nallow type"));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_policy_is_found_next_to_the_compiler_and_parses()
    {
        var path = GatePolicy.FindDefaultPath();
        Assert.Equal(Path.GetDirectoryName(typeof(AgentCompiler).Assembly.Location), Path.GetDirectoryName(path));
        var policy = GatePolicy.Load(path);
        Assert.True(policy.Rules.Count > 100);
        Assert.Matches("^[0-9a-f]{64}$", policy.Hash);
        Assert.False(policy.CheckMember(Name("Hyperagents.Transport", "AgentInvoker"), "SolveTaskAsync").Allowed);
        Assert.True(policy.CheckMember(Name("Hyperagents", "SeededRandom"), "NextDouble").Allowed);
        Assert.False(policy.CheckMember(Name("System", "Console"), "ReadLine").Allowed);
        Assert.True(policy.CheckMember(Name("System", "Console"), "WriteLine").Allowed);
    }

    [Fact]
    public void Missing_policy_file_is_a_clear_error()
    {
        var error = Assert.Throws<GatePolicyException>(() => new AgentCompiler(new AgentCompilerOptions { PolicyPath = "/nonexistent/policy.txt" }));
        Assert.Contains("/nonexistent/policy.txt", error.Message, StringComparison.Ordinal);
    }
}
