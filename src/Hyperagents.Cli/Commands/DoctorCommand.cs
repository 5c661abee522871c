using System.CommandLine;
using System.Diagnostics;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents doctor</c>: checks that the sandbox can run here — Wasmtime and its configuration, the pinned
/// runtime pack and its import/export contract, the compiled-module cache, and a probe VM that boots and runs.</summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext context)
    {
        var writeManifest = new Option<FileInfo?>("--write-manifest")
        {
            Description = "Write a manifest describing the runtime module found next to this tool to this file (to review and pin as sandbox/runtime-pack.json after a deliberate pack upgrade), then exit.",
        };
        var command = new Command("doctor", "Check the sandbox: Wasmtime, the pinned runtime pack, the module cache and a probe VM; then say which isolation tiers can run here, and why.");
        command.Options.Add(writeManifest);
        command.SetAction(async (parseResult, cancellationToken) => parseResult.GetValue(writeManifest) is { } file
            ? WriteManifest(context.Console, file)
            : await RunAsync(context.Console, cancellationToken).ConfigureAwait(false));
        return command;
    }

    private static int WriteManifest(IAnsiConsole console, FileInfo file)
    {
        var options = new SandboxOptions();
        var wasm = Path.Combine(options.RuntimeDirectory, "dotnet.native.wasm");
        if (!File.Exists(wasm))
        {
            console.MarkupLine($"[red]No runtime module at {Markup.Escape(wasm)}.[/] Fix: build the project (dotnet build); it copies the runtime pack into sandbox-runtime/.");
            return 1;
        }

        var pinned = RuntimePackManifest.Load(Path.Combine(options.RuntimeDirectory, "runtime-pack.json"));
        try
        {
            File.WriteAllText(file.FullName, RuntimePackManifest.Generate(wasm, pinned.Package, pinned.Version).ToJson() + Environment.NewLine);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            console.MarkupLine($"[red]Cannot write {Markup.Escape(file.FullName)}:[/] {Markup.Escape(ex.Message)}. Fix: choose a writable path.");
            return 1;
        }

        console.MarkupLine($"Wrote [green]{Markup.Escape(file.FullName)}[/]. Review the import list against GuestImports.cs before pinning it.");
        return 0;
    }

    /// <summary>Each runner of <paramref name="registry"/> (the isolation tiers), whether it can run here and why (or why
    /// not), whether its runs replay bit for bit, and how many calls it runs at once for <c>--parallel 1</c>: a runner
    /// that reports itself available is created, so a failure to start shows here. Only the sandbox is required: the
    /// other tiers are opt-in, so their absence does not fail the doctor.</summary>
    internal static Table Tiers(RunnerRegistry registry)
    {
        var tiers = new Table().AddColumn("--isolation").AddColumn("available").AddColumn("deterministic").AddColumn("capacity").AddColumn("why");
        foreach (var runner in registry.Runners)
        {
            var availability = registry.Availability(runner.Name);
            var capacity = "-";
            if (availability.Available)
            {
                try
                {
                    var created = registry.Create(runner.Name);
                    capacity = created.Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    created.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                catch (Hyperagents.Transport.UserErrorException ex)
                {
                    availability = new RunnerAvailability(false, ex.Message);
                }
            }

            tiers.AddRow(
                Markup.Escape(runner.Name),
                availability.Available ? "[green]yes[/]" : "[yellow]no[/]",
                runner.Deterministic ? "yes" : "no (replay uses a tolerance)",
                capacity,
                Markup.Escape(availability.Detail));
        }

        return tiers;
    }

    internal static Task<int> RunAsync(IAnsiConsole console, CancellationToken cancellationToken) => Task.Run(() => Run(console), cancellationToken);

    private static int Run(IAnsiConsole console)
    {
        var failures = 0;
        var table = new Table().AddColumn("check").AddColumn("result").AddColumn("detail");
        void Row(bool ok, string check, string detail, string? fix = null)
        {
            if (!ok)
            {
                failures++;
            }

            table.AddRow(Markup.Escape(check), ok ? "[green]ok[/]" : "[red]FAIL[/]", Markup.Escape(detail + (ok || fix is null ? "" : Environment.NewLine + "fix: " + fix)));
        }

        Row(true, "Wasmtime", $"{SandboxEngine.WasmtimeVersion} (.NET {Environment.Version})");
        SandboxEngine? engine = null;
        var watch = Stopwatch.StartNew();
        try
        {
            engine = SandboxEngine.Create(new SandboxOptions { PoolSize = 0 });
            var start = watch.Elapsed;
            Row(true, "engine configuration", engine.ConfigDescription);
            Row(true, "guest runtime options", string.Join(' ', SandboxEngine.RuntimeOptions));
            Row(true, "runtime pack", $"{engine.Manifest.Package} {engine.Manifest.Version}: module SHA-256 and all {engine.Manifest.Imports.Count} imports / {engine.Manifest.Exports.Count} exports match sandbox/runtime-pack.json");
            Row(true, "module cache", $"{engine.Cache} (snapshot module: {engine.SnapshotCache?.ToString() ?? "none"}); engine ready in {start.TotalMilliseconds:0} ms: {engine.CachePath ?? "(caching off)"}");

            var (boot, outcome) = engine.SelfTest();
            Row(true, "probe VM boot", $"{boot.TotalMilliseconds:0.0} ms from {engine.VmSource}, {engine.BootAssemblyCount} assemblies");
            Row(outcome.IsCompleted && outcome.Answer?.StartsWith("n=1;", StringComparison.Ordinal) == true, "probe VM run",
                $"{outcome.Label} in {outcome.Elapsed.TotalMilliseconds:0.0} ms, fuel {outcome.FuelConsumed:N0}, {outcome.HostCalls} host call(s){(outcome.IsCompleted ? "" : ": " + outcome.Detail)}",
                "rebuild (dotnet build); if it persists, delete the module cache folder and run doctor again");
        }
        catch (SandboxUnavailableException ex)
        {
            foreach (var problem in ex.Problems)
            {
                Row(false, "runtime pack", problem);
            }

            Row(false, "sandbox", ex.Message.Split(Environment.NewLine)[^1], "see above");
        }
        catch (Exception ex)
        {
            Row(false, "sandbox", $"{ex.GetType().Name}: {ex.Message}", "rebuild (dotnet build) and check that the module cache folder is writable: " + SandboxOptions.DefaultCacheDirectory);
        }
        finally
        {
            engine?.Dispose();
        }

        console.Write(table);
        console.MarkupLine(failures == 0 ? "[green]The sandbox is ready.[/]" : $"[red]{failures} check(s) failed.[/]");
        console.Write(Tiers(Runs.Runners.Registry));
        return failures == 0 ? 0 : 1;
    }
}
