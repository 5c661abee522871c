using System.Security.Cryptography;
using System.Text;

namespace Hyperagents.Compiler;

/// <summary>What a policy rule says.</summary>
public enum PolicyVerdict
{
    /// <summary>The symbol may be used.</summary>
    Allow,
    /// <summary>The symbol may not be used.</summary>
    Deny,
    /// <summary>Allowed in the emitted IL only, where the compiler put it while lowering ordinary C#.</summary>
    Lowering,
}

/// <summary>What a policy rule matches.</summary>
public enum PolicyRuleKind
{
    /// <summary>A namespace and its sub-namespaces.</summary>
    Namespace,
    /// <summary>A type, its nested types and members.</summary>
    Type,
    /// <summary>Members of one name (or <c>*</c>) of one type.</summary>
    Member,
}

/// <summary>One line of the gate policy.</summary>
/// <param name="Verdict">Allow, deny or lowering.</param>
/// <param name="Kind">Namespace, type or member.</param>
/// <param name="Name">The namespace or type name (for a member rule, the type).</param>
/// <param name="Member">The member name for a member rule, else <see langword="null"/>.</param>
/// <param name="Line">The 1-based line in the policy file.</param>
/// <param name="Text">The line as written.</param>
public sealed record PolicyRule(PolicyVerdict Verdict, PolicyRuleKind Kind, string Name, string? Member, int Line, string Text)
{
    /// <summary>The rule as quoted in diagnostics: its text and line.</summary>
    public string Describe() => $"policy line {Line} '{Text}'";
}

/// <summary>The outcome of checking one symbol against the policy.</summary>
/// <param name="Allowed">Whether the symbol may be used.</param>
/// <param name="Rule">The deciding rule, or <see langword="null"/> when no rule matched (denied).</param>
public readonly record struct PolicyDecision(bool Allowed, PolicyRule? Rule)
{
    /// <summary>The reason, for a diagnostic.</summary>
    public string Reason => Rule is null ? "no allow rule matches" : $"{(Allowed ? "allowed" : "denied")} by {Rule.Describe()}";
}

/// <summary>A symbol's identity as the policy sees it: namespace plus the chain of (outer to inner) type names without
/// generic arity.</summary>
/// <param name="Namespace">The namespace, empty for the global namespace.</param>
/// <param name="TypeNames">Outer to inner type names.</param>
public readonly record struct PolicyTypeName(string Namespace, IReadOnlyList<string> TypeNames)
{
    /// <summary>The dotted full name of the innermost type.</summary>
    public string FullName => Prefix(TypeNames.Count);

    internal string Prefix(int count) =>
        (Namespace.Length == 0 ? "" : Namespace + ".") + string.Join('.', TypeNames.Take(count));

    internal static string StripArity(string name)
    {
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}

/// <summary>The capability gate's allow-list, parsed from <c>sandbox/policy.txt</c>. Immutable and thread-safe.</summary>
/// <remarks>The grammar and resolution order are documented at the top of the policy file itself.</remarks>
public sealed class GatePolicy
{
    private readonly Dictionary<string, List<PolicyRule>> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PolicyRule>> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PolicyRule>> _members = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ilNameableTypes = new(StringComparer.Ordinal);

    private GatePolicy(string text, string hash, string origin, IReadOnlyList<PolicyRule> rules)
    {
        Text = text;
        Hash = hash;
        Origin = origin;
        Rules = rules;
        foreach (var rule in rules)
        {
            var map = rule.Kind switch
            {
                PolicyRuleKind.Namespace => _namespaces,
                PolicyRuleKind.Type => _types,
                _ => _members,
            };
            var key = rule.Kind == PolicyRuleKind.Member ? rule.Name + "::" + rule.Member : rule.Name;
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(rule);
            if ((rule.Verdict == PolicyVerdict.Lowering && rule.Kind != PolicyRuleKind.Namespace) || (rule.Verdict == PolicyVerdict.Allow && rule.Kind == PolicyRuleKind.Member))
            {
                _ilNameableTypes.Add(rule.Name);
            }
        }
    }

    /// <summary>The policy text.</summary>
    public string Text { get; }

    /// <summary>The gate-policy hash: lower-case hex SHA-256 of the policy file's bytes.</summary>
    public string Hash { get; }

    /// <summary>Where the policy came from (a path, or a description).</summary>
    public string Origin { get; }

    /// <summary>The rules in file order.</summary>
    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>The file name of the policy next to the compiler assembly and under <c>sandbox/</c>.</summary>
    public const string FileName = "policy.txt";

    /// <summary>Loads a policy file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="GatePolicyException">The file is missing or has a malformed line.</exception>
    public static GatePolicy Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GatePolicyException($"The gate policy '{path}' cannot be read ({ex.Message}). Restore sandbox/policy.txt or pass a readable policy path.");
        }

        return Parse(bytes, Path.GetFullPath(path));
    }

    /// <summary>Parses policy text.</summary>
    /// <param name="text">The policy.</param>
    /// <param name="origin">Where it came from, for messages.</param>
    /// <exception cref="GatePolicyException">A line is malformed.</exception>
    public static GatePolicy Parse(string text, string origin = "(inline policy)") => Parse(Encoding.UTF8.GetBytes(text), origin);

    /// <summary>Finds the default policy: next to the compiler assembly, else <c>sandbox/policy.txt</c> in the first
    /// parent of the application folder that holds <c>Hyperagents.sln</c>.</summary>
    /// <exception cref="GatePolicyException">No policy file was found.</exception>
    public static string FindDefaultPath() => FindDefaultPath(FileName);

    /// <summary>Finds a policy file by name where <see cref="FindDefaultPath()"/> looks (e.g. the evaluator policy).</summary>
    /// <param name="fileName">The file name, e.g. <c>evaluator-policy.txt</c>.</param>
    /// <exception cref="GatePolicyException">No such file was found.</exception>
    public static string FindDefaultPath(string fileName)
    {
        var candidates = new List<string>();
        var assemblyDir = Path.GetDirectoryName(typeof(GatePolicy).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir))
        {
            candidates.Add(Path.Combine(assemblyDir, fileName));
        }

        candidates.Add(Path.Combine(AppContext.BaseDirectory, fileName));
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hyperagents.sln")))
            {
                var path = Path.Combine(dir.FullName, "sandbox", fileName);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        throw new GatePolicyException($"No gate policy found next to the compiler ({string.Join(", ", candidates)}) or in sandbox/{fileName} of the repository. Reinstall the tool or pass a policy path.");
    }

    /// <summary>Checks a type used as a type (a local, a parameter, a base type, <c>typeof</c>).</summary>
    /// <param name="type">The type.</param>
    /// <param name="inIl">Whether the reference comes from the emitted IL scan (lowering rules count as allow).</param>
    public PolicyDecision CheckType(PolicyTypeName type, bool inIl = false)
    {
        var decision = Resolve(TypeRules(type), inIl) ?? Resolve(NamespaceRules(type.Namespace), inIl) ?? new PolicyDecision(false, null);
        if (!decision.Allowed && inIl && _ilNameableTypes.Contains(type.FullName))
        {
            // An allowed or lowering member rule lets the IL name the member's type too: a member reference's parent is
            // a type reference, so `deny type T` with `allow member T.M` would otherwise refuse every use of T.M in IL.
            // The source half of the gate still refuses T itself (a local, a typeof, a base type).
            return new PolicyDecision(true, Rules.First(r => r.Verdict is PolicyVerdict.Lowering or PolicyVerdict.Allow && r.Kind != PolicyRuleKind.Namespace && r.Name == type.FullName));
        }

        return decision;
    }

    /// <summary>Checks a member access.</summary>
    /// <param name="type">The member's containing type.</param>
    /// <param name="member">The member's metadata name (<c>.ctor</c>, <c>get_Now</c>, <c>Concat</c>, ...).</param>
    /// <param name="inIl">Whether the reference comes from the emitted IL scan (lowering rules count as allow).</param>
    /// <param name="genericMethod">Whether the member is a generic method (it has type parameters of its own): rules
    /// written <c>T.M&lt;&gt;</c> match only those.</param>
    public PolicyDecision CheckMember(PolicyTypeName type, string member, bool inIl = false, bool genericMethod = false)
    {
        var typeName = type.FullName;
        var exact = new List<PolicyRule>();
        foreach (var name in MemberNameCandidates(member, genericMethod))
        {
            if (_members.TryGetValue(typeName + "::" + name, out var rules))
            {
                exact.AddRange(rules);
            }
        }

        return Resolve(exact, inIl)
               ?? Resolve(_members.GetValueOrDefault(typeName + "::*") ?? [], inIl)
               ?? Resolve(TypeRules(type), inIl)
               ?? Resolve(NamespaceRules(type.Namespace), inIl)
               ?? new PolicyDecision(false, null);
    }

    private IEnumerable<PolicyRule> TypeRules(PolicyTypeName type)
    {
        // Innermost type first: the first level with any rule decides.
        for (var count = type.TypeNames.Count; count >= 1; count--)
        {
            if (_types.TryGetValue(type.Prefix(count), out var rules))
            {
                return rules;
            }
        }

        return [];
    }

    private IEnumerable<PolicyRule> NamespaceRules(string ns)
    {
        for (var current = ns; current.Length > 0;)
        {
            if (_namespaces.TryGetValue(current, out var rules))
            {
                return rules;
            }

            var dot = current.LastIndexOf('.');
            current = dot < 0 ? "" : current[..dot];
        }

        return [];
    }

    private static PolicyDecision? Resolve(IEnumerable<PolicyRule> rules, bool inIl)
    {
        PolicyRule? allow = null;
        foreach (var rule in rules)
        {
            switch (rule.Verdict)
            {
                case PolicyVerdict.Deny:
                    return new PolicyDecision(false, rule);
                case PolicyVerdict.Allow:
                case PolicyVerdict.Lowering when inIl:
                    allow ??= rule;
                    break;
            }
        }

        return allow is null ? null : new PolicyDecision(true, allow);
    }

    private static readonly string[] AccessorPrefixes = ["get_", "set_", "add_", "remove_"];

    /// <summary>The suffix of a member rule that matches only generic methods of that name.</summary>
    public const string GenericMethodSuffix = "<>";

    private static IEnumerable<string> MemberNameCandidates(string member, bool genericMethod)
    {
        yield return member;
        if (genericMethod)
        {
            yield return member + GenericMethodSuffix;
        }

        foreach (var prefix in AccessorPrefixes)
        {
            if (member.StartsWith(prefix, StringComparison.Ordinal) && member.Length > prefix.Length)
            {
                yield return member[prefix.Length..];
            }
        }
    }

    private static GatePolicy Parse(byte[] bytes, string origin)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var rules = new List<PolicyRule>();
        var errors = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].TrimEnd('\r');
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
            {
                errors.Add($"line {i + 1}: expected '<allow|deny|lowering> <namespace|type|member> <name>', got '{line}'");
                continue;
            }

            PolicyVerdict? verdict = parts[0] switch
            {
                "allow" => PolicyVerdict.Allow,
                "deny" => PolicyVerdict.Deny,
                "lowering" => PolicyVerdict.Lowering,
                _ => null,
            };
            PolicyRuleKind? kind = parts[1] switch
            {
                "namespace" => PolicyRuleKind.Namespace,
                "type" => PolicyRuleKind.Type,
                "member" => PolicyRuleKind.Member,
                _ => null,
            };
            if (verdict is null || kind is null)
            {
                errors.Add($"line {i + 1}: unknown verdict or kind in '{line}' (verdicts: allow, deny, lowering; kinds: namespace, type, member)");
                continue;
            }

            var name = parts[2];
            string? member = null;
            if (kind == PolicyRuleKind.Member)
            {
                // T..ctor names a constructor: split at the last dot that is not part of "..ctor".
                var split = name.EndsWith("..ctor", StringComparison.Ordinal) ? name.Length - 6 : name.LastIndexOf('.');
                if (split <= 0 || split >= name.Length - 1)
                {
                    errors.Add($"line {i + 1}: a member rule needs 'Type.Member', got '{name}'");
                    continue;
                }

                member = name[(split + 1)..];
                name = name[..split];
                var angle = member.IndexOfAny(['<', '>']);
                if (angle >= 0 && (angle != member.Length - GenericMethodSuffix.Length || !member.EndsWith(GenericMethodSuffix, StringComparison.Ordinal) || member is "*<>"))
                {
                    errors.Add($"line {i + 1}: '<>' may only end a member name (the generic overloads of that method), got '{parts[2]}'");
                    continue;
                }
            }

            if (name.IndexOfAny(['<', '>']) >= 0)
            {
                errors.Add($"line {i + 1}: type and namespace names are written without type arguments (System.Collections.Generic.List covers List<T>), got '{parts[2]}'");
                continue;
            }

            rules.Add(new PolicyRule(verdict.Value, kind.Value, name, member, i + 1, line));
        }

        if (errors.Count > 0)
        {
            throw new GatePolicyException($"The gate policy '{origin}' has malformed lines:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errors)}{Environment.NewLine}Fix them (the grammar is documented at the top of sandbox/policy.txt).");
        }

        return new GatePolicy(text, Convert.ToHexStringLower(SHA256.HashData(bytes)), origin, rules);
    }
}

/// <summary>The gate policy is missing or malformed; the message names the problem and the fix.</summary>
public sealed class GatePolicyException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public GatePolicyException(string message)
        : base(message)
    {
    }
}
