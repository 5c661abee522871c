using Hyperagents;
using Hyperagents.Archive;

// usage: KillWriter <run folder> <seed> [count]
// Opens (or creates) the run, then adds variants to random parents and evaluates every other one, printing
// "ACK V <id>" or "ACK E <id> <n>" only after the write returned (i.e. is durable). Killed at random by the test.
var folder = args[0];
var random = new Random(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
var count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
using var run = Directory.Exists(folder)
    ? ArchiveRun.Open(folder)
    : ArchiveRun.Create(folder, new RunManifest("kill", "synthetic", "seed"));
var variants = run.ListVariants().Select(v => v.Id).ToList();
Console.Out.WriteLine("READY");
Console.Out.Flush();
for (var i = 0; i < count; i++)
{
    var parent = variants.Count == 0 ? null : variants[random.Next(variants.Count)];
    var n = random.Next(1_000_000);
    var id = run.AddVariant(new NewVariant
    {
        Parent = parent,
        Files = new Dictionary<string, string>
        {
            ["task/Solve.cs"] = $"// task {n}\nclass Solve {{ int X => {n % 97}; }}\n",
            ["meta/Modify.cs"] = $"// meta {n % 13}\n",
            ["README.md"] = "kill test\n",
        },
        Status = n % 5 == 0 ? VariantStatus.Rejected("gate: System.IO.File") : VariantStatus.Accepted,
        Transcript = $"{{\"type\":\"request\",\"n\":{n}}}\n{{\"type\":\"response\"}}\n",
    });
    variants.Add(id);
    Console.Out.WriteLine($"ACK V {id}");
    Console.Out.Flush();
    if (i % 2 == 0)
    {
        var evaluationId = $"{id}";
        run.AttachEvaluation(id, new Evaluation
        {
            EvaluatorHash = "synthetic",
            Splits = new Dictionary<string, SplitEvaluation> { ["train"] = new(n % 100 / 100.0, [new TaskEvaluation("t1", n % 100 / 100.0, "ok")]) },
        });
        Console.Out.WriteLine($"ACK E {evaluationId} {run.GetVariant(id).Evaluations}");
        Console.Out.Flush();
    }
}
