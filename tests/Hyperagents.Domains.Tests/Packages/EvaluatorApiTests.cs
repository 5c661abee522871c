using System.Reflection;
using System.Text;
using Hyperagents.Evaluators;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>The evaluator API is a promise to package authors: its public surface changes only on purpose.</summary>
public sealed class EvaluatorApiTests
{
    [Fact]
    public void The_public_surface_of_the_evaluator_api_matches_the_approved_baseline()
    {
        var approved = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Packages", "EvaluatorApi.approved.txt")).ReplaceLineEndings("\n");
        var actual = Surface(typeof(IEvaluator).Assembly);
        Assert.True(approved == actual, "The evaluator API changed. If on purpose, update tests/Hyperagents.Domains.Tests/Packages/EvaluatorApi.approved.txt to:\n" + actual);
    }

    private static string Surface(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(type.IsInterface ? "interface " : type.IsSealed ? "sealed class " : "class ").Append(type.FullName).Append('\n');
            var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(Describe)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                text.Append("  ").Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Describe(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : "")}{(p.SetMethod?.IsPublic == true ? "set; " : "")}}}",
        _ => member.MemberType + " " + member.Name,
    };

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}"));

    private static string Name(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : Nullable.GetUnderlyingType(type) is { } inner ? Name(inner) + "?" : type.Name;
}
