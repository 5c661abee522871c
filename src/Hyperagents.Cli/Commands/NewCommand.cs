using System.CommandLine;
using Hyperagents.Cli.Runs;
using Hyperagents.Domains;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents new domain|agent</c>: scaffolds a working domain package, or a seed hyperagent with a solver
/// stub for a domain.</summary>
internal static class NewCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("new", "Scaffold a domain package (new domain <folder>) or a seed hyperagent for a domain (new agent <folder> --domain <d>).");
        command.Subcommands.Add(CreateDomain(context));
        command.Subcommands.Add(CreateAgent(context));
        return command;
    }

    private static Command CreateDomain(CliContext context)
    {
        var folder = new Argument<string>("folder") { Description = "The package folder to create (must not exist or be empty)." };
        var answer = new Option<string?>("--answer") { Description = "What answers are: json (default), text or csharp." };
        var command = new Command("domain", "Write a working domain package: manifest, evaluator, a few tasks per split, README.") { folder, answer };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(folder)!;
            var kind = (parse.GetValue(answer) ?? "json").ToLowerInvariant();
            if (kind is not ("json" or "text" or "csharp"))
            {
                return ArchiveCommandSupport.Error(context, $"--answer '{kind}' is not one of json, text, csharp.");
            }

            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            {
                return ArchiveCommandSupport.Error(context, $"'{path}' already exists and is not empty; choose a new folder.");
            }

            var name = Slug(Path.GetFileName(Path.GetFullPath(path).TrimEnd('/', '\\')));
            foreach (var (relative, text) in DomainScaffold.Files(name, kind))
            {
                var target = Path.Combine(path, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, text);
            }

            var shown = DomainPackage.LooksLikePath(path) && path.Contains('/', StringComparison.Ordinal) ? path : "./" + path;
            context.Console.MarkupLine(Markup.Escape($"wrote domain package '{name}' ({kind} answers) in {path}. Next: hyperagents domains {shown}; hyperagents new agent {name}-agent --domain {shown}"));
            return 0;
        });
        return command;
    }

    private static Command CreateAgent(CliContext context)
    {
        var folder = new Argument<string>("folder") { Description = "The agent folder to create (must not exist or be empty)." };
        var domain = new Option<string?>("--domain") { Description = "The domain the solver stub is for: a built-in name or a package folder." };
        var command = new Command("agent", "Write a seed hyperagent (the shipped seed's meta agent) with a solver stub for a domain.") { folder, domain };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(folder)!;
            var domainValue = parse.GetValue(domain);
            if (string.IsNullOrWhiteSpace(domainValue))
            {
                return ArchiveCommandSupport.Error(context, "--domain is required: the solver stub is written for one domain (a built-in name or a package folder).");
            }

            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            {
                return ArchiveCommandSupport.Error(context, $"'{path}' already exists and is not empty; choose a new folder.");
            }

            string domainName;
            AnswerKind kind;
            try
            {
                var package = DomainSource.PackageOf(domainValue);
                domainName = package?.Name ?? (DomainCatalog.Names.Contains(domainValue) ? domainValue : throw new UnknownDomainException(domainValue));
                kind = package?.Answer ?? AnswerKind.Json;
            }
            catch (Exception ex) when (ex is DomainPackageException or UnknownDomainException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }

            var seed = SeedLocator.Find("seeds/default");
            if (seed is null)
            {
                return ArchiveCommandSupport.Error(context, "The shipped seed (seeds/default) was not found next to the program; reinstall the tool.");
            }

            foreach (var relative in Directory.EnumerateFiles(seed, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(seed, f))
                         .Where(r => !r.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !r.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                var file = Path.Combine(seed, relative);
                var target = Path.Combine(path, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            // The solver stub is dispatched to for this domain; its `// @domain` line makes it the file the offline engine mutates for it.
            var agentFile = Path.Combine(path, "task", "TaskAgent.cs");
            var agent = File.ReadAllText(agentFile);
            var dispatch = $"            case \"{domainName}\":\n                return await Solver.SolveAsync(context);\n            default:";
            File.WriteAllText(agentFile, agent.Replace("            default:", dispatch, StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(path, "task", "Solver.cs"), DomainScaffold.SolverStub(domainName, kind));
            context.Console.MarkupLine(Markup.Escape($"wrote seed agent for domain '{domainName}' in {path}: fill in task/Solver.cs, then: hyperagents try {path} --domain {domainValue} --isolation native"));
            return 0;
        });
        return command;
    }

    private static string Slug(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return slug.Length == 0 ? "my-domain" : slug.Length > 64 ? slug[..64] : slug;
    }
}
