using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Hyperagents;

namespace Seed.Evolution;

/// <summary>
/// The model-driven meta agent: a native function-calling loop with an editor over its own workspace
/// (view, create, str_replace, insert, undo) plus compile, evaluate, lineage and a C# scratchpad (run_csharp),
/// bounded in tool calls.
/// </summary>
internal static class ModelMeta
{
    private const int MaxToolCalls = /*@range(4, 80)*/ 40;
    private const int FeedbackTasks = /*@range(1, 20)*/ 8;

    private static readonly ChatTool[] Tools =
    [
        new("view", "Show a file with line numbers, or list all files when path is empty.",
            """{"type":"object","properties":{"path":{"type":"string"},"start_line":{"type":"integer"},"end_line":{"type":"integer"}},"required":["path"]}"""),
        new("create", "Create or overwrite a file with the given content.",
            """{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}"""),
        new("str_replace", "Replace the one exact occurrence of old_str in a file by new_str.",
            """{"type":"object","properties":{"path":{"type":"string"},"old_str":{"type":"string"},"new_str":{"type":"string"}},"required":["path","old_str","new_str"]}"""),
        new("insert", "Insert text after the given line (0 inserts at the top).",
            """{"type":"object","properties":{"path":{"type":"string"},"insert_line":{"type":"integer"},"text":{"type":"string"}},"required":["path","insert_line","text"]}"""),
        new("undo", "Undo the last edit of a file.",
            """{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}"""),
        new("compile", "Compile and gate the workspace; returns the diagnostics.",
            """{"type":"object","properties":{}}"""),
        new("evaluate", "Score the workspace on a few training tasks; returns the score and per-task feedback.",
            """{"type":"object","properties":{"tasks":{"type":"integer"}}}"""),
        new("lineage", "Show the ancestors of this variant with their training scores and diffs.",
            """{"type":"object","properties":{"count":{"type":"integer"}}}"""),
        new("run_csharp", "Run a C# snippet in a fresh sandbox under the same rules as agent code: statements, methods and types; a last expression without ';' is returned. context.Random and context.Log work. Returns the value, the log and any diagnostics.",
            """{"type":"object","properties":{"code":{"type":"string"}},"required":["code"]}"""),
    ];

    public static async Task RunAsync(MetaContext context)
    {
        var history = new Dictionary<string, Stack<string?>>();
        var system = await context.Workspace.ReadAsync("meta/prompts/system.md");
        var messages = new List<ChatMessage>
        {
            ChatMessage.System(system),
            ChatMessage.User(await BriefAsync(context)),
        };

        for (var calls = 0; calls < MaxToolCalls;)
        {
            var reply = await context.Chat.CompleteAsync(new ChatRequest(messages, Tools, Temperature: 0));
            messages.Add(reply.ToMessage());
            if (reply.ToolCalls.Count == 0)
            {
                await context.Log.InfoAsync("meta agent finished: " + reply.Text);
                return;
            }

            foreach (var call in reply.ToolCalls)
            {
                calls++;
                string result;
                try
                {
                    result = await ExecuteAsync(context, call, history);
                }
                catch (HostCallException ex)
                {
                    result = "error: " + ex.Message;
                }
                catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    result = "error: bad arguments: " + ex.Message;
                }

                messages.Add(ChatMessage.ToolResult(call.Id, result));
            }
        }

        await context.Log.WarningAsync($"meta agent stopped after {MaxToolCalls} tool calls.");
    }

    private static async Task<string> BriefAsync(MetaContext context)
    {
        var sb = new StringBuilder();
        sb.AppendLine(context.Instruction);
        sb.AppendLine();
        sb.AppendLine("Domains: " + string.Join(", ", context.Domains));
        var lineage = await context.Lineage.GetAsync(0);
        if (lineage.Count > 0)
        {
            var self = lineage[0];
            sb.AppendLine($"This variant's training score: {self.TrainScore?.ToString("0.######") ?? "not evaluated"}");
            foreach (var task in self.Tasks.Take(FeedbackTasks))
            {
                sb.AppendLine($"- task {task.TaskId}: {task.Outcome}, score {task.Score:0.######}: {task.Feedback}");
            }
        }

        var diagnostics = await context.CompileAsync();
        if (!diagnostics.Success)
        {
            sb.AppendLine("The workspace does not compile:");
            foreach (var d in diagnostics.Diagnostics)
            {
                sb.AppendLine("- " + d);
            }
        }

        sb.AppendLine();
        sb.AppendLine("Files:");
        foreach (var file in await context.Workspace.ListAsync())
        {
            sb.AppendLine($"- {file.Path} ({file.Kind}, {file.Size} bytes)");
        }

        return sb.ToString();
    }

    private static async Task<string> ExecuteAsync(MetaContext context, ToolCall call, Dictionary<string, Stack<string?>> history)
    {
        using var args = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson);
        var root = args.RootElement;
        switch (call.Name)
        {
            case "view":
            {
                var path = root.GetProperty("path").GetString() ?? string.Empty;
                if (path.Length == 0)
                {
                    return string.Join("\n", (await context.Workspace.ListAsync()).Select(f => f.Path));
                }

                var lines = (await context.Workspace.ReadAsync(path)).Split('\n');
                var start = root.TryGetProperty("start_line", out var s) ? Math.Max(1, s.GetInt32()) : 1;
                var end = root.TryGetProperty("end_line", out var e) ? Math.Min(lines.Length, e.GetInt32()) : lines.Length;
                var sb = new StringBuilder();
                for (var i = start; i <= end; i++)
                {
                    sb.Append(i).Append('\t').AppendLine(lines[i - 1]);
                }

                return sb.ToString();
            }

            case "create":
            {
                var path = root.GetProperty("path").GetString()!;
                await RememberAsync(context, history, path);
                await context.Workspace.WriteAsync(path, root.GetProperty("content").GetString() ?? string.Empty);
                return "created " + path;
            }

            case "str_replace":
            {
                var path = root.GetProperty("path").GetString()!;
                await RememberAsync(context, history, path);
                await context.Workspace.ReplaceAsync(path, root.GetProperty("old_str").GetString()!, root.GetProperty("new_str").GetString() ?? string.Empty);
                return "edited " + path;
            }

            case "insert":
            {
                var path = root.GetProperty("path").GetString()!;
                var after = root.GetProperty("insert_line").GetInt32();
                var lines = (await context.Workspace.ReadAsync(path)).Split('\n').ToList();
                if (after < 0 || after > lines.Count)
                {
                    return $"error: insert_line must be between 0 and {lines.Count}";
                }

                await RememberAsync(context, history, path);
                lines.Insert(after, root.GetProperty("text").GetString() ?? string.Empty);
                await context.Workspace.WriteAsync(path, string.Join("\n", lines));
                return $"inserted after line {after} of {path}";
            }

            case "undo":
            {
                var path = root.GetProperty("path").GetString()!;
                if (!history.TryGetValue(path, out var stack) || stack.Count == 0)
                {
                    return "error: nothing to undo for " + path;
                }

                var previous = stack.Pop();
                if (previous is null)
                {
                    await context.Workspace.DeleteAsync(path);
                }
                else
                {
                    await context.Workspace.WriteAsync(path, previous);
                }

                return "undone last edit of " + path;
            }

            case "compile":
            {
                var report = await context.CompileAsync();
                return report.Success ? "ok" : string.Join("\n", report.Diagnostics.Select(d => d.ToString()));
            }

            case "evaluate":
            {
                var tasks = root.TryGetProperty("tasks", out var t) ? t.GetInt32() : 3;
                var report = await context.TryEvaluateAsync(tasks);
                if (!report.Compile.Success)
                {
                    return "does not compile:\n" + string.Join("\n", report.Compile.Diagnostics.Select(d => d.ToString()));
                }

                return $"score {report.Score:0.######}\n" + string.Join("\n", report.Tasks.Select(x => $"{x.TaskId}: {x.Outcome} {x.Score:0.######} {x.Feedback}"));
            }

            case "lineage":
            {
                var count = root.TryGetProperty("count", out var c) ? c.GetInt32() : 4;
                var entries = await context.Lineage.GetAsync(count);
                return string.Join("\n\n", entries.Select(x => $"{x.VariantId[..Math.Min(12, x.VariantId.Length)]} gen {x.Generation} train {x.TrainScore?.ToString("0.######") ?? "-"} {x.Status}\n{x.Diff}"));
            }

            case "run_csharp":
            {
                var report = await context.RunSnippetAsync(root.GetProperty("code").GetString() ?? string.Empty);
                var log = report.Output.Length > 0 ? "\nlog:\n" + report.Output : string.Empty;
                if (report.Completed)
                {
                    return "value: " + report.Value + log;
                }

                return report.Outcome + ": " + report.Detail + log + string.Concat(report.Diagnostics.Select(d => "\n" + d));
            }

            default:
                return "error: unknown tool " + call.Name;
        }
    }

    private static async Task RememberAsync(MetaContext context, Dictionary<string, Stack<string?>> history, string path)
    {
        var files = await context.Workspace.ListAsync();
        var before = files.Any(f => f.Path == path) ? await context.Workspace.ReadAsync(path) : null;
        if (!history.TryGetValue(path, out var stack))
        {
            history[path] = stack = new Stack<string?>();
        }

        stack.Push(before);
    }
}
